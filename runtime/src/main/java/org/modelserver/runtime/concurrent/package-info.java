/**
 * Thread helpers shared by the runtime's background work (named daemon threads, the idle CPU
 * priority).
 */
package org.modelserver.runtime.concurrent;
