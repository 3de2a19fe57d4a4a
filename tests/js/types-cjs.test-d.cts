// The same types through `require` in a CommonJS TypeScript module.
import cedar = require('cedar-authorizer');

async function main(): Promise<string> {
  const authorizer = await cedar.Authorizer.load({ files: {} });
  const out = authorizer.isAuthorized({ principal: 'A::"a"', action: 'A::Action::"b"', resource: 'A::"c"' });
  return out.decision;
}
void main;
