import { FRAGMENT, startLink, VERTEX } from './imageRenderer.js';

/**
 * Links the viewer's program once in a context of this worker's own and answers when the link is
 * done. Asking a link's status waits until the compiler is through (0.5 s and more on SwiftShader
 * under load) and no WebGL call tells when that is without waiting (KHR_parallel_shader_compile is
 * not offered there): here the wait holds this worker, not the page, and the GPU process keeps the
 * compiled program, so the page's own link of the same sources is then quick.
 */
const gl = new OffscreenCanvas(1, 1).getContext('webgl2');
if (gl) {
  const program = startLink(gl, VERTEX, FRAGMENT);
  gl.getProgramParameter(program, gl.LINK_STATUS);
}
self.postMessage('linked');
