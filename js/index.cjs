'use strict';

module.exports = require('./lib/node.cjs');
