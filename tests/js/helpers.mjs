// Shared by the JS tests: paths of the repository, the example stores and the shared corpora.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const policies = path.join(root, 'policies');
export const shared = path.resolve(root, '../shared');
export const store = (name) => path.join(policies, name);

export const rides = {
  pool: 'us-east-1_DemoPool1',
  user: (sub) => ({ entityType: 'Rides::CognitoUser', entityId: `us-east-1_DemoPool1|${sub}` }),
  group: (name) => ({ entityType: 'Rides::CognitoUserGroup', entityId: `us-east-1_DemoPool1|${name}` }),
  action: (id) => ({ actionType: 'Rides::Action', actionId: id }),
  app: { entityType: 'Rides::Application', entityId: 'Rides' },
};
