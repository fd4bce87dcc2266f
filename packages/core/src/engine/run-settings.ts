/**
 * Settings of one run that plugins read, resolved once by the caller (the
 * command line over the config file over the environment) and handed to
 * every plugin's `apply`: the typed channel instead of environment
 * variables.
 */
export interface RunSettings {
  /**
   * The virtio-win ISO or folder that the Windows plugins take drivers and
   * the guest agent from, as an absolute path; absent: the packaged default
   * (`/usr/share/virtio-win/virtio-win.iso`).
   */
  virtioWin?: string;
}
