/**
 * The predefined roles, kept as golden data files in `roles/` (one JSON file per role, in the shape of GCP's
 * `Role` resource: `name`, `title`, `description`, `stage`, `includedPermissions`), reviewed like code.
 * `roles/owner` holds every permission Gatehouse knows; `roles/editor` and `roles/viewer` are subsets of it
 * (catalogue.test.ts keeps these invariants).
 *
 * Where GCP says "project", Gatehouse says "account" (`resourcemanager.accounts.get`), and a workspace is a
 * resource of its own (`resourcemanager.workspaces.*`).
 */
import type { PredefinedRole } from './types.ts';
import containerClusterViewer from './roles/container.clusterViewer.json' with { type: 'json' };
import containerDeveloper from './roles/container.developer.json' with { type: 'json' };
import containerViewer from './roles/container.viewer.json' with { type: 'json' };
import editor from './roles/editor.json' with { type: 'json' };
import iamRoleViewer from './roles/iam.roleViewer.json' with { type: 'json' };
import iamServiceAccountTokenCreator from './roles/iam.serviceAccountTokenCreator.json' with { type: 'json' };
import iamServiceAccountUser from './roles/iam.serviceAccountUser.json' with { type: 'json' };
import mlAdmin from './roles/ml.admin.json' with { type: 'json' };
import mlDeveloper from './roles/ml.developer.json' with { type: 'json' };
import mlViewer from './roles/ml.viewer.json' with { type: 'json' };
import owner from './roles/owner.json' with { type: 'json' };
import storageAdmin from './roles/storage.admin.json' with { type: 'json' };
import storageObjectAdmin from './roles/storage.objectAdmin.json' with { type: 'json' };
import storageObjectViewer from './roles/storage.objectViewer.json' with { type: 'json' };
import viewer from './roles/viewer.json' with { type: 'json' };

const raw: readonly PredefinedRole[] = [
  containerClusterViewer,
  containerDeveloper,
  containerViewer,
  editor,
  iamRoleViewer,
  iamServiceAccountTokenCreator,
  iamServiceAccountUser,
  mlAdmin,
  mlDeveloper,
  mlViewer,
  owner,
  storageAdmin,
  storageObjectAdmin,
  storageObjectViewer,
  viewer,
];

export const PREDEFINED_ROLES: readonly PredefinedRole[] = Object.freeze(
  raw.map((r) => Object.freeze({ name: r.name, title: r.title, description: r.description, stage: r.stage, includedPermissions: Object.freeze([...r.includedPermissions]) })),
);

const byName: ReadonlyMap<string, PredefinedRole> = new Map(PREDEFINED_ROLES.map((r) => [r.name, r]));
const permissionSets: ReadonlyMap<string, ReadonlySet<string>> = new Map(PREDEFINED_ROLES.map((r) => [r.name, new Set(r.includedPermissions)]));

export function predefinedRole(name: string): PredefinedRole | undefined {
  return byName.get(name);
}

/** The permissions of a predefined role as a set (shared: built once per process). */
export function predefinedPermissions(name: string): ReadonlySet<string> | undefined {
  return permissionSets.get(name);
}

/** Every permission of the catalogue (those of `roles/owner`). */
export const KNOWN_PERMISSIONS: ReadonlySet<string> = permissionSets.get('roles/owner') ?? new Set();
