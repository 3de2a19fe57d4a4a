import api from './index.cjs';

export const { Authorizer, AuthorizerLoadError, buildBundle, compileBundle, checkStore, renderDiagnostics, readStoreFolder, initialize, BUNDLE_FORMAT, COMPILED_FORMAT } = api;
export default api;
