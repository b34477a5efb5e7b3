/**
 * Label selectors (`metav1.LabelSelectorAsSelector` and `labels.Requirement.Matches` in
 * `k8s.io/apimachinery`): matchLabels and matchExpressions are ANDed; an empty selector selects everything.
 * `NotIn` and `DoesNotExist` hold when the label is absent.
 */
import type { LabelSelector, LabelSelectorRequirement } from './types.ts';

export function requirementMatches(req: LabelSelectorRequirement, labels: Readonly<Record<string, string>>): boolean {
  const has = Object.hasOwn(labels, req.key);
  switch (req.operator) {
    case 'In':
      return has && req.values.includes(labels[req.key] as string);
    case 'NotIn':
      return !has || !req.values.includes(labels[req.key] as string);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
  }
}

export function selectorMatches(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels)) {
    if (!Object.hasOwn(labels, key) || labels[key] !== value) return false;
  }
  for (const req of selector.matchExpressions) if (!requirementMatches(req, labels)) return false;
  return true;
}
