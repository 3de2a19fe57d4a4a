import api from './index.cjs';

export const { Authorizer, AuthorizerLoadError, buildBundle, checkStore, renderDiagnostics, readStoreFolder, initialize, BUNDLE_FORMAT } = api;
export default api;
