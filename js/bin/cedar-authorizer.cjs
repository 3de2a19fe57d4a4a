#!/usr/bin/env node
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const api = require('../lib/node.cjs');

const USAGE = `usage: cedar-authorizer <command> <store> [options]

commands:
  validate <store>             check a policy store against its schema (strict mode) and print every
                               diagnostic with file, line, column and the offending line
  bundle <store> -o <file>     validate a store and write its bundle: one JSON file with a SHA-256 hash
  test <store>                 run the store's tests/*.json and report pass or fail per request

options:
  -o, --output <file>          where \`bundle\` writes (default: stdout)
  --json                       print machine-readable JSON instead of text
  -h, --help                   show this help

exit status: 0 on success, 1 when the store has errors or a test fails, 2 on bad usage`;

function parseArgs(argv) {
  const args = { positional: [], json: false, output: undefined };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    if (a === '--json') args.json = true;
    else if (a === '-o' || a === '--output') args.output = argv[++i];
    else if (a === '-h' || a === '--help') args.help = true;
    else if (a.startsWith('-')) throw new UsageError(`unknown option \`${a}\``);
    else args.positional.push(a);
  }
  return args;
}

class UsageError extends Error {}

function readStore(dir) {
  if (!dir) throw new UsageError('missing <store>: the policy store folder');
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new UsageError(`\`${dir}\` is not a folder: pass a policy store folder`);
  }
  return api.readStoreFolder(dir);
}

function prefixed(diagnostics, dir) {
  return diagnostics.map((d) => (d.file ? { ...d, file: path.join(dir, d.file) } : d));
}

function filesUnder(files, dir) {
  return Object.fromEntries(Object.entries(files).map(([name, text]) => [path.join(dir, name), text]));
}

function hasErrors(diagnostics) {
  return diagnostics.some((d) => d.severity === 'error');
}

const commands = {
  validate(args, out, err) {
    const dir = args.positional[0];
    const files = readStore(dir);
    const diagnostics = api.checkStore(files);
    if (args.json) {
      out(JSON.stringify({ ok: !hasErrors(diagnostics), diagnostics }, null, 2));
    } else if (diagnostics.length > 0) {
      err(api.renderDiagnostics(prefixed(diagnostics, dir), filesUnder(files, dir)).trimEnd());
    } else {
      out(`${dir}: ok, no diagnostics`);
    }
    return hasErrors(diagnostics) ? 1 : 0;
  },

  bundle(args, out, err) {
    const dir = args.positional[0];
    const files = readStore(dir);
    const { bundle, diagnostics } = api.buildBundle(files);
    if (diagnostics.length > 0 && !args.json) {
      err(api.renderDiagnostics(prefixed(diagnostics, dir), filesUnder(files, dir)).trimEnd());
    }
    if (!bundle) {
      if (args.json) out(JSON.stringify({ ok: false, diagnostics }, null, 2));
      return 1;
    }
    const text = JSON.stringify(bundle, null, 2) + '\n';
    if (args.output) {
      fs.mkdirSync(path.dirname(path.resolve(args.output)), { recursive: true });
      fs.writeFileSync(args.output, text);
      const summary = { ok: true, output: args.output, hash: bundle.hash, policies: bundle.policies.length, bytes: Buffer.byteLength(text) };
      if (args.json) out(JSON.stringify(summary, null, 2));
      else out(`wrote ${args.output}: ${summary.policies} policies, ${summary.bytes} bytes, ${bundle.hash}`);
    } else {
      out(text.trimEnd());
    }
    return 0;
  },

  test(args, out, err) {
    const dir = args.positional[0];
    const files = readStore(dir);
    let authorizer;
    try {
      authorizer = api.Authorizer.loadSync({ files });
    } catch (e) {
      if (e instanceof api.AuthorizerLoadError) {
        err(api.renderDiagnostics(prefixed(e.diagnostics, dir), filesUnder(files, dir)).trimEnd());
        return 1;
      }
      throw e;
    }
    const report = authorizer.runTests(files);
    if (args.json) out(JSON.stringify(report, null, 2));
    else out(`${dir}\n${report.text.trimEnd()}`);
    if (report.cases.length === 0 && report.diagnostics.length === 0) {
      err(`${dir}: no test cases (add tests/*.json)`);
      return 1;
    }
    return report.failed === 0 && report.diagnostics.length === 0 ? 0 : 1;
  },
};

function main(argv, out = (s) => process.stdout.write(s + '\n'), err = (s) => process.stderr.write(s + '\n')) {
  try {
    const [command, ...rest] = argv;
    if (!command || command === '-h' || command === '--help' || command === 'help') {
      out(USAGE);
      return command ? 0 : 2;
    }
    const run = commands[command];
    if (!run) throw new UsageError(`unknown command \`${command}\``);
    const args = parseArgs(rest);
    if (args.help) {
      out(USAGE);
      return 0;
    }
    return run(args, out, err);
  } catch (e) {
    if (e instanceof UsageError) {
      err(`error: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    err(`error: ${e.message}`);
    return 1;
  }
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}

module.exports = { main };
