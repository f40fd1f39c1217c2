/** The fine-tuning jobs API over REST, with server-sent events, and its metrics. */
package org.modelserver.server.training;
