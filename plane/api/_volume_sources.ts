/**
 * The volume source fields of `core/v1.VolumeSource` (Kubernetes 1.32): a volume sets exactly one.
 *
 * Source: https://kubernetes.io/docs/reference/kubernetes-api/config-and-storage-resources/volume/
 *
 * @module
 */

/** Field names of the volume sources. */
export const VOLUME_SOURCES: readonly string[] = [
  "hostPath",
  "emptyDir",
  "gcePersistentDisk",
  "awsElasticBlockStore",
  "gitRepo",
  "secret",
  "nfs",
  "iscsi",
  "glusterfs",
  "persistentVolumeClaim",
  "rbd",
  "flexVolume",
  "cinder",
  "cephfs",
  "flocker",
  "downwardAPI",
  "fc",
  "azureFile",
  "configMap",
  "vsphereVolume",
  "quobyte",
  "azureDisk",
  "photonPersistentDisk",
  "projected",
  "portworxVolume",
  "scaleIO",
  "storageos",
  "csi",
  "ephemeral",
  "image",
];
