/** The key of this mailbox in mailbox_state: the login and the server, never the password. */
export function accountKey(imap: { user: string; host: string }): string {
  return `${imap.user}@${imap.host}`;
}
