import aws from './aws.cjs';

export const {
  createRestApiAuthorizer,
  createHttpApiAuthorizer,
  createEdgeViewerRequestHandler,
  createVerifiedPermissionsHandler,
  DecisionCache,
} = aws;
export default aws;
