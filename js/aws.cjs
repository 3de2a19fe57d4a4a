'use strict';

const { createAwsApi } = require('./lib/aws/index.cjs');

module.exports = createAwsApi(require('./lib/node.cjs'));
