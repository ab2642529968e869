import * as core from "kubernetes-models/v1";
import * as apps from "kubernetes-models/apps/v1";
import * as autoscaling from "kubernetes-models/autoscaling/v2";
import * as batch from "kubernetes-models/batch/v1";
import * as networking from "kubernetes-models/networking.k8s.io/v1";
import * as policy from "kubernetes-models/policy/v1";
import * as keda from "@kubernetes-models/keda/keda.sh/v1alpha1";
import * as monitoring from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
import type { K8sObject } from "./deploy-support.js";

/**
 * Kubernetes' own OpenAPI schemas (kubernetes-models, generated from the API's spec; KEDA's and
 * the Prometheus Operator's CRD schemas) as validators, by apiVersion and kind. They check
 * types, required fields, enums and formats; like the API server without strict field
 * validation, they do not reject unknown fields.
 */
const groups: Record<string, Record<string, unknown>> = {
  v1: core,
  "apps/v1": apps,
  "autoscaling/v2": autoscaling,
  "batch/v1": batch,
  "networking.k8s.io/v1": networking,
  "policy/v1": policy,
  "keda.sh/v1alpha1": keda,
  "monitoring.coreos.com/v1": monitoring,
};

type Model = new (data: unknown) => { validate(): void };

/** The schema's complaint about `o`, or null when it is valid; throws for a kind with no schema. */
export function schemaError(o: K8sObject): string | null {
  const Model = groups[o.apiVersion]?.[o.kind] as Model | undefined;
  if (!Model) throw new Error(`no schema for ${o.apiVersion} ${o.kind}: add its model to test/deploy/kube-schemas.ts`);
  try {
    new Model(o).validate();
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
