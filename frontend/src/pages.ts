// Every server-rendered page: htmx for the small interactive parts (claim search as you type, import progress).
import htmx from "htmx.org";

declare global {
  interface Window {
    htmx: typeof htmx;
  }
}

window.htmx = htmx;
