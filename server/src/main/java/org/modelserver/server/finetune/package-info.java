/**
 * The {@code finetune} command: one fine-tuning job as a batch process on the shared model
 * repository, without the web server.
 */
package org.modelserver.server.finetune;
