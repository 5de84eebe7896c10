/**
 * The contract between stages: typed topic constants, the record types that travel on them, and
 * their serdes. Imports nothing else of endowatch, so every stage can depend on it.
 */
package org.endowatch.contract;
