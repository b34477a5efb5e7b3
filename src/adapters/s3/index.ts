/** The S3-compatible HTTP edge (`gatehouse server --s3-listen`). */
export { createS3Edge } from './server.ts';
export type { S3Edge, S3EdgeOptions } from './server.ts';
export { S3_STATUS } from './errors.ts';
export type { S3ErrorCode, S3Error } from './errors.ts';
