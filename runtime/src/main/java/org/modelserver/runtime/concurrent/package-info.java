/** Thread helpers shared by the runtime's background work (named daemon threads). */
package org.modelserver.runtime.concurrent;
