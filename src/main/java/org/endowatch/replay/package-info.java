/** Replay: recorded procedures played back, re-scored and exported with annotations. */
package org.endowatch.replay;
