import api from './index.cjs';

export const {
  Authorizer,
  AuthorizerLoadError,
  buildBundle,
  compileBundle,
  checkStore,
  renderDiagnostics,
  bundleText,
  formatPolicies,
  convertSchema,
  schemaOutline,
  constants,
  readStoreFolder,
  initialize,
  createVerifiedPermissionsServer,
  testCoverage,
} = api;
export default api;
