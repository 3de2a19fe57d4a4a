// Writes js/lib/endpoint/model.json: the part of Verified Permissions' service model (the botocore model
// the AWS CLI carries, service-2.json) that the endpoint answers: its protocol metadata, the operations it
// serves, and every shape they reach, without documentation. The endpoint checks requests and writes
// answers by this model, so a request refused here is one the service refuses by the same constraint.
//
//   node scripts/build/avp-model.mjs <service-2.json> [out]
// tests/js/endpoint.test.mjs checks that the committed file is what this writes from the pinned AWS CLI.
import fs from 'node:fs';
import zlib from 'node:zlib';

export const OPERATIONS = [
  'IsAuthorized',
  'IsAuthorizedWithToken',
  'BatchIsAuthorized',
  'BatchIsAuthorizedWithToken',
  'GetPolicyStore',
  'GetSchema',
  'ListPolicies',
  'GetPolicy',
  'ListPolicyTemplates',
  'GetPolicyTemplate',
  'ListIdentitySources',
  'GetIdentitySource',
];

const KEPT = ['type', 'required', 'min', 'max', 'pattern', 'enum', 'union', 'sensitive', 'timestampFormat', 'exception', 'fault', 'error', 'box', 'document'];

export function trimmedModel(service) {
  const shapes = {};
  const visit = (name) => {
    if (shapes[name]) return;
    const shape = service.shapes[name];
    const kept = Object.fromEntries(KEPT.filter((k) => shape[k] !== undefined).map((k) => [k, shape[k]]));
    shapes[name] = kept;
    if (shape.members) {
      kept.members = Object.fromEntries(Object.entries(shape.members).map(([m, { shape: s }]) => [m, { shape: s }]));
      for (const { shape: s } of Object.values(shape.members)) visit(s);
    }
    if (shape.member) {
      kept.member = { shape: shape.member.shape };
      visit(shape.member.shape);
    }
    if (shape.key) {
      kept.key = { shape: shape.key.shape };
      kept.value = { shape: shape.value.shape };
      visit(shape.key.shape);
      visit(shape.value.shape);
    }
  };
  const operations = {};
  for (const name of OPERATIONS) {
    const op = service.operations[name];
    operations[name] = { input: op.input.shape, output: op.output.shape, errors: op.errors.map((e) => e.shape) };
    visit(op.input.shape);
    visit(op.output.shape);
    for (const e of op.errors) visit(e.shape);
  }
  const { apiVersion, jsonVersion, protocol, signingName, targetPrefix, endpointPrefix, serviceId } = service.metadata;
  const sorted = Object.fromEntries(Object.keys(shapes).sort().map((k) => [k, shapes[k]]));
  return { metadata: { apiVersion, jsonVersion, protocol, signingName, targetPrefix, endpointPrefix, serviceId }, operations, shapes: sorted };
}

export function readService(file) {
  const raw = fs.readFileSync(file);
  return JSON.parse(file.endsWith('.gz') ? zlib.gunzipSync(raw).toString('utf8') : raw.toString('utf8'));
}

export const modelText = (model) => `${JSON.stringify(model, null, 1)}\n`;

if (import.meta.url === `file://${process.argv[1]}`) {
  const [source, out = new URL('../../js/lib/endpoint/model.json', import.meta.url).pathname] = process.argv.slice(2);
  if (!source) {
    console.error('usage: node scripts/build/avp-model.mjs <service-2.json> [out]');
    process.exit(2);
  }
  fs.writeFileSync(out, modelText(trimmedModel(readService(source))));
  console.log(`wrote ${out}`);
}
