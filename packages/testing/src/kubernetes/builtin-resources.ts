/** The core/v1 types the server always serves besides pods: namespaces, events and pod templates. */
import { validateObjectMeta } from './metadata-validation.ts';
import { validatePodSpec } from './pod-strategy.ts';
import { plainStrategy, type ResourceType } from './resource-type.ts';
import { fieldErrors } from './status.ts';
import { isPlainObject, type KubeObject } from './types.ts';

export function namespaceResourceType(): ResourceType {
  return {
    ...plainStrategy(),
    group: '',
    versions: ['v1'],
    storageVersion: 'v1',
    plural: 'namespaces',
    singular: 'namespace',
    kind: 'Namespace',
    listKind: 'NamespaceList',
    shortNames: ['ns'],
    namespaced: false,
    statusSubresource: true,
    returnDeletedObject: true,
    allowUnconditionalUpdate: true,
    selectableFields: { 'status.phase': (ns) => (isPlainObject(ns.status) ? String(ns.status.phase ?? '') : '') },
    prepareForCreate(ns: KubeObject) {
      ns.status = { phase: 'Active' };
    },
    validate: (ns, ctx) => (ctx.subresource === 'status' ? [] : validateObjectMeta(ns, 'label')),
  };
}

function involved(key: string): (event: KubeObject) => string {
  return (event) => (isPlainObject(event.involvedObject) ? String(event.involvedObject[key] ?? '') : '');
}

export function eventResourceType(): ResourceType {
  return {
    ...plainStrategy(),
    group: '',
    versions: ['v1'],
    storageVersion: 'v1',
    plural: 'events',
    singular: 'event',
    kind: 'Event',
    listKind: 'EventList',
    shortNames: ['ev'],
    namespaced: true,
    statusSubresource: false,
    returnDeletedObject: false,
    allowUnconditionalUpdate: true,
    selectableFields: {
      'involvedObject.kind': involved('kind'),
      'involvedObject.namespace': involved('namespace'),
      'involvedObject.name': involved('name'),
      'involvedObject.uid': involved('uid'),
      'involvedObject.apiVersion': involved('apiVersion'),
      'involvedObject.resourceVersion': involved('resourceVersion'),
      'involvedObject.fieldPath': involved('fieldPath'),
      reason: (e) => String(e.reason ?? ''),
      reportingComponent: (e) => String(e.reportingComponent ?? ''),
      source: (e) => (isPlainObject(e.source) ? String(e.source.component ?? '') : ''),
      type: (e) => String(e.type ?? ''),
    },
    validate(event) {
      const errors = validateObjectMeta(event);
      if (!isPlainObject(event.involvedObject)) errors.push(fieldErrors.required('involvedObject'));
      return errors;
    },
  };
}

/** PodTemplates (what Flyte's default-pod-template-name and a task's podTemplateName refer to). */
export function podTemplateResourceType(): ResourceType {
  return {
    ...plainStrategy(),
    group: '',
    versions: ['v1'],
    storageVersion: 'v1',
    plural: 'podtemplates',
    singular: 'podtemplate',
    kind: 'PodTemplate',
    listKind: 'PodTemplateList',
    shortNames: [],
    namespaced: true,
    statusSubresource: false,
    returnDeletedObject: false,
    allowUnconditionalUpdate: true,
    validate(podTemplate) {
      const template = isPlainObject(podTemplate.template) ? podTemplate.template : {};
      return [...validateObjectMeta(podTemplate), ...validatePodSpec(template.spec, 'template.spec')];
    },
  };
}
