import aws from './aws.cjs';

export const { createRestApiAuthorizer, createHttpApiAuthorizer, createEdgeViewerRequestHandler, DecisionCache } = aws;
export default aws;
