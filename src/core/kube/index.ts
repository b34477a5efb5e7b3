/**
 * Kubernetes integration, the pure parts: access entries (IAM principal → Kubernetes user and groups),
 * `k8s-aws-v1.` tokens, the webhook payloads (TokenReview, SubjectAccessReview, AdmissionReview) and the
 * pod-role annotations with their patches. The RBAC engine itself is src/core/rbac.
 */
export * from './access-entry.ts';
export * from './token.ts';
export * from './reviews.ts';
export * from './admission.ts';
export * from './changes.ts';
export * from './namespaces.ts';
export * from './limits.ts';
