import api from './index.cjs';

export const {
  Authorizer,
  AuthorizerLoadError,
  buildBundle,
  compileBundle,
  checkStore,
  renderDiagnostics,
  bundleText,
  constants,
  readStoreFolder,
  initialize,
} = api;
export default api;
