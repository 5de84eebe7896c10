/** Train: datasets, augmentation, the training loop, calibration and evaluation. */
package org.endowatch.train;
