/** Console: web and terminal consumers of scores, heatmaps and alerts; never imports model or score. */
package org.endowatch.console;
