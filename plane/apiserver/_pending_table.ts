// Placeholder until apiprint lands plane/api/table/mod.ts (same exported names); delete then.
import type { ApiResource } from "./_pending_resources.ts";

/** A meta.k8s.io/v1 Table with the default printer's columns (Name, Created At). */
export function toTable(
  _resource: ApiResource,
  objects: readonly Record<string, unknown>[],
  opts: {
    now: Date;
    includeObject: "None" | "Metadata" | "Object";
    listMeta?: { resourceVersion?: string; continue?: string };
  },
): Record<string, unknown> {
  return {
    kind: "Table",
    apiVersion: "meta.k8s.io/v1",
    metadata: { ...opts.listMeta },
    columnDefinitions: [
      { name: "Name", type: "string", format: "name", description: "", priority: 0 },
      { name: "Created At", type: "date", format: "", description: "", priority: 0 },
    ],
    rows: objects.map((o) => {
      const meta = (o.metadata ?? {}) as Record<string, unknown>;
      return {
        cells: [meta.name, meta.creationTimestamp],
        object: opts.includeObject === "None"
          ? null
          : opts.includeObject === "Object"
          ? o
          : { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: meta },
      };
    }),
  };
}
