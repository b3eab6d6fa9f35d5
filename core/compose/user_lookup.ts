/**
 * A service's `user: USER[:GROUP]` resolved against the image's `/etc/passwd` and `/etc/group`
 * as docker does it (moby/sys/user `GetExecUser`): a name must exist in passwd, a number need
 * not; without a group the passwd entry's primary group is used (0 when the uid has no entry);
 * the groups that list the user as a member become supplementary groups. Pure.
 *
 * @module
 */
import type { Parsed } from "./syntax.ts";

/** A resolved user: ids for `runAsUser`, `runAsGroup` and `supplementalGroups`. */
export interface ResolvedUser {
  /** User id. */
  uid: number;
  /** Primary group id. */
  gid: number;
  /** Supplementary group ids (groups in /etc/group that list the user), ascending. */
  groups: number[];
}

interface Entry {
  name: string;
  id: number;
  gid: number;
  members: string[];
}

/** Lines `name:x:id:...` of a passwd or group file; malformed lines are skipped, as libc does. */
function parseDb(text: string | undefined, kind: "passwd" | "group"): Entry[] {
  const out: Entry[] = [];
  for (const line of (text ?? "").split("\n")) {
    if (line.trim() === "" || line.startsWith("#")) continue;
    const f = line.split(":");
    const id = Number(f[2]);
    if (f[0] === undefined || f[0] === "" || f[2] === "" || !Number.isInteger(id) || id < 0) {
      continue;
    }
    out.push({
      name: f[0],
      id,
      gid: kind === "passwd" ? Number(f[3] ?? "0") || 0 : id,
      members: kind === "group" ? (f[3] ?? "").split(",").filter((m) => m !== "") : [],
    });
  }
  return out;
}

const MAX_ID = 2 ** 31 - 1;

/**
 * Resolves `spec` (`name`, `uid`, `name:group`, `uid:gid`, ...) against the image's passwd and
 * group files (undefined when the image has none).
 *
 * @example
 * ```ts
 * import { resolveUser } from "./user_lookup.ts";
 * import assert from "node:assert/strict";
 * const passwd = "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n";
 * const group = "root:x:0:\napp:x:1000:\nstaff:x:50:app,other\n";
 * assert.deepEqual(resolveUser("app", passwd, group), { ok: true, value: { uid: 1000, gid: 1000, groups: [50] } });
 * assert.deepEqual(resolveUser("app:root", passwd, group), { ok: true, value: { uid: 1000, gid: 0, groups: [50] } });
 * assert.deepEqual(resolveUser("4242", passwd, group), { ok: true, value: { uid: 4242, gid: 0, groups: [] } });
 * assert.equal(resolveUser("ghost", passwd, group).ok, false);
 * ```
 */
export function resolveUser(
  spec: string,
  passwdText: string | undefined,
  groupText: string | undefined,
): Parsed<ResolvedUser> {
  const [userPart = "", groupPart, ...rest] = spec.split(":");
  if (userPart === "" || rest.length > 0 || groupPart === "") {
    return { ok: false, reason: `user "${spec}" is not USER[:GROUP]` };
  }
  const passwd = parseDb(passwdText, "passwd");
  const groups = parseDb(groupText, "group");
  const numeric = /^\d+$/.test(userPart);
  const entry = numeric
    ? passwd.find((e) => e.id === Number(userPart))
    : passwd.find((e) => e.name === userPart);
  if (!entry && !numeric) {
    return {
      ok: false,
      reason: `unable to find user ${userPart}: no matching entries in the image's /etc/passwd` +
        (passwdText === undefined ? " (the image has no /etc/passwd)" : ""),
    };
  }
  const uid = numeric ? Number(userPart) : entry!.id;
  let gid = entry?.gid ?? 0;
  if (groupPart !== undefined) {
    if (/^\d+$/.test(groupPart)) gid = Number(groupPart);
    else {
      const g = groups.find((e) => e.name === groupPart);
      if (!g) {
        return {
          ok: false,
          reason:
            `unable to find group ${groupPart}: no matching entries in the image's /etc/group` +
            (groupText === undefined ? " (the image has no /etc/group)" : ""),
        };
      }
      gid = g.id;
    }
  }
  if (uid > MAX_ID || gid > MAX_ID) {
    return { ok: false, reason: `user "${spec}": ids must be below 2^31` };
  }
  const name = entry?.name;
  const extra = name === undefined
    ? []
    : [...new Set(groups.filter((g) => g.members.includes(name)).map((g) => g.id))]
      .filter((g) => g !== gid).sort((a, b) => a - b);
  return { ok: true, value: { uid, gid, groups: extra } };
}
