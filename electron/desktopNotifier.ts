import { Notification } from 'electron';
import { NotificationPolicy, type Notice } from './notifications.js';

const WATCHED_NOTICE_PAUSE_MS = 4000;

/**
 * System notifications for the services' events (what deserves one: NotificationPolicy), shown while
 * the window is not in front. Each Notification is held until it is clicked or closed: one that is
 * garbage-collected first loses its click handler, and on Windows the toast itself.
 */
export class DesktopNotifier {
  private readonly policy = new NotificationPolicy();
  private readonly shown = new Set<Notification>();
  private watchedTimer?: NodeJS.Timeout;

  constructor(
    private readonly inFront: () => boolean,
    private readonly onClick: () => void,
  ) {}

  onEvent(event: string, payload: unknown): void {
    const done = this.policy.onEvent(event, payload);
    if (done) this.notify(done);
    if (this.policy.watchedPending && !this.watchedTimer)
      this.watchedTimer = setTimeout(() => {
        this.watchedTimer = undefined;
        const watched = this.policy.takeWatched();
        if (watched) this.notify(watched);
      }, WATCHED_NOTICE_PAUSE_MS);
  }

  dispose(): void {
    clearTimeout(this.watchedTimer);
    this.shown.clear();
  }

  private notify(notice: Notice): void {
    if (this.inFront() || !Notification.isSupported()) return;
    const shown = new Notification({ ...notice, silent: true });
    this.shown.add(shown);
    const forget = () => this.shown.delete(shown);
    shown.on('click', () => {
      forget();
      this.onClick();
    });
    shown.on('close', forget);
    shown.on('failed', forget);
    shown.show();
  }
}
