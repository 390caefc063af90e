/*
 * Demo page only: records every Content-Security-Policy violation on the page (the widget's
 * shadow root included: the event is composed) so the browser tests can assert there are
 * none. Loaded in <head>, before the widget, so nothing is missed.
 */
(() => {
  'use strict';
  const violations = [];
  window.madoguchiDemoCspViolations = violations;
  document.addEventListener(
    'securitypolicyviolation',
    (event) => {
      violations.push({
        directive: event.effectiveDirective || event.violatedDirective,
        blocked: event.blockedURI,
        source: event.sourceFile,
        line: event.lineNumber,
        sample: event.sample,
      });
      console.error('CSP violation', event.effectiveDirective, event.blockedURI, event.sample);
    },
    true,
  );
})();
