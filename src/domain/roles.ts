// Who may do what on the board. Each role includes the one before it: an editor reads too, and an
// admin also sends mail now and manages accounts.

export const roles = ["viewer", "editor", "admin"] as const;
export type Role = (typeof roles)[number];

export function isRole(value: string): value is Role {
  return (roles as readonly string[]).includes(value);
}

/** Whether someone with `role` may do what needs `needed`. */
export function roleAllows(role: Role, needed: Role): boolean {
  return roles.indexOf(role) >= roles.indexOf(needed);
}
