/* On every page seen signed out (the login page after logging out included): forget the
 * copies of check-in pages that the check-in page's service worker keeps for a venue
 * without a connection, since they list names. Scans not sent yet stay on the phone
 * (localStorage) and go at the next check-in page opened signed in. */
"use strict";
if ("caches" in window) {
  caches.delete("norec-checkin-v1");
}
