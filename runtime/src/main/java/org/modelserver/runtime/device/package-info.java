/** Where a model executes (CPU or a CUDA device). */
package org.modelserver.runtime.device;
