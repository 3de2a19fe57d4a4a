// Under `moduleResolution: node10` (no `exports` map), every entry point still has its types, through
// the package's `typesVersions`.
import { Authorizer, type ErrorCode } from 'cedar-authorizer';
import { createRestApiAuthorizer } from 'cedar-authorizer/aws';
import { initialize, Authorizer as WebAuthorizer } from 'cedar-authorizer/web';

export async function main(): Promise<[string, ErrorCode | undefined]> {
  await initialize();
  const web = await WebAuthorizer.load({ files: {} });
  const node = await Authorizer.load({ files: {} });
  const handler = createRestApiAuthorizer({ authorizer: node });
  void handler;
  const out = web.isAuthorized({ principal: 'A::"a"', action: 'A::Action::"b"', resource: 'A::"c"' });
  return [out.decision, out.errors[0]?.code];
}
