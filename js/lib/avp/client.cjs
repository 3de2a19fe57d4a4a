'use strict';

/**
 * The Verified Permissions client, loaded only when `import` runs: `@aws-sdk/client-verifiedpermissions`
 * is an optional peer dependency, so the authorizer itself never needs it.
 */

const SDK = '@aws-sdk/client-verifiedpermissions';

class AvpError extends Error {
  constructor(message, code) {
    super(message);
    this.name = 'AvpError';
    this.code = code;
  }
}

function loadSdk() {
  try {
    return require(SDK);
  } catch (e) {
    if (e && e.code === 'MODULE_NOT_FOUND' && String(e.message).includes(SDK)) {
      throw new AvpError(
        `\`import\` reads the policy store with the AWS SDK, which is not installed: run \`npm install ${SDK}\``,
        'avp.sdk_missing',
      );
    }
    throw e;
  }
}

/** A client for `region` (and `endpoint`, for tests), with the SDK's standard credential chain and retries. */
function createClient({ region, endpoint, maxAttempts }) {
  const sdk = loadSdk();
  const config = {};
  if (region) config.region = region;
  if (endpoint) config.endpoint = endpoint;
  if (maxAttempts) config.maxAttempts = maxAttempts;
  return { sdk, client: new sdk.VerifiedPermissionsClient(config) };
}

/**
 * Sends one command, turning the service's refusals into messages that say what to do: access denied
 * names the IAM action the credentials lack (`verifiedpermissions:<Operation>`).
 */
async function send(client, command, policyStoreId) {
  try {
    return await client.send(command);
  } catch (e) {
    throw explain(e, command.constructor.name.replace(/Command$/, ''), policyStoreId);
  }
}

/** The service's refusal `e` of `operation` as an AvpError whose message says what to do. */
function explain(e, operation, policyStoreId) {
  const name = e?.name ?? 'Error';
  const detail = e?.message ? `: ${e.message}` : '';
  if (name === 'AccessDeniedException') {
    return new AvpError(
      `access denied to Verified Permissions' ${operation} on policy store \`${policyStoreId}\`: the credentials need the IAM permission \`verifiedpermissions:${operation}\` (${name}${detail})`,
      'avp.access_denied',
    );
  }
  if (name === 'ResourceNotFoundException') {
    return new AvpError(
      `Verified Permissions' ${operation} found no such resource in policy store \`${policyStoreId}\` (check --policy-store-id and --region)${detail}`,
      'avp.not_found',
    );
  }
  if (name === 'CredentialsProviderError') {
    return new AvpError(
      `no AWS credentials found for Verified Permissions' ${operation}: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY${detail}`,
      'avp.no_credentials',
    );
  }
  return new AvpError(`Verified Permissions' ${operation} failed (${name}${detail})`, 'avp.request_failed');
}

/** Every item of a paginated list operation, following `nextToken` to the end. */
async function listAll(client, Command, input, key) {
  const items = [];
  let nextToken;
  do {
    const page = await send(client, new Command({ ...input, nextToken }), input.policyStoreId);
    items.push(...(page[key] ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return items;
}

module.exports = { AvpError, loadSdk, createClient, send, explain, listAll };
