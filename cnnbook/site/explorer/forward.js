/* cnnbook explorers: the networks of the book run in the reader's browser.
 *
 * A classic script (not an ES module): module scripts and fetch() are refused on pages opened from
 * disk (file://), and the book works from disk. Everything lives on `window.cnnbook`.
 *
 * Tensors are NHWC without N, as the book's Flax networks hold them: a map of shape [h, w, c] is a
 * Float32Array with value (y, x, ch) at (y * w + x) * c + ch. Kernels are HWIO, as nnx.Conv stores
 * them: (ky, kx, cin, cout) at ((ky * kw + kx) * cin + ci) * cout + co. Dense kernels are (in, out).
 * Sums are accumulated in double precision and stored as float32, so the logits match JAX's (float32
 * throughout) to about 1e-6.
 */
(function () {
  "use strict";
  const cnnbook = (window.cnnbook = window.cnnbook || {});
  const registered = {};
  const waiting = {};

  /** Called by each explorers/<net>/model.js: its manifest, weights and example images, base64. */
  cnnbook.registerModel = function (name, payload) {
    registered[name] = payload;
    (waiting[name] || []).forEach((resolve) => resolve(payload));
    delete waiting[name];
  };

  function decodeBase64(text) {
    const bytes = atob(text);
    const out = new Uint8Array(bytes.length);
    for (let i = 0; i < bytes.length; i++) out[i] = bytes.charCodeAt(i);
    return out;
  }

  function littleEndianFloats(bytes) {
    // Float32Array reads the platform's byte order; every browser platform is little-endian, but check.
    if (new Uint8Array(new Float32Array([1]).buffer)[3] !== 0x3f) throw new Error("big-endian platform");
    return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  }

  /** Load explorers/<name>/model.js (a script tag: it works from disk too) → {manifest, weights, examples}. */
  cnnbook.loadModel = function (name, url) {
    const ready = registered[name]
      ? Promise.resolve(registered[name])
      : new Promise((resolve, reject) => {
          (waiting[name] = waiting[name] || []).push(resolve);
          const script = document.createElement("script");
          script.src = url;
          script.onerror = () => reject(new Error("could not load " + url));
          document.head.appendChild(script);
        });
    return ready.then((payload) => {
      const weights = {};
      for (const [variant, text] of Object.entries(payload.weights)) {
        weights[variant] = littleEndianFloats(decodeBase64(text));
      }
      const pixels = decodeBase64(payload.examples.pixels);
      const size = payload.manifest.input.shape.reduce((a, b) => a * b, 1);
      const examples = payload.examples.items.map((item, i) => ({
        ...item,
        x: Float32Array.from(pixels.subarray(i * size, (i + 1) * size), (v) => v / 255),
      }));
      return { manifest: payload.manifest, weights, examples };
    });
  };

  /** The named parameter of a layer (kernel or bias) as a view into the weights. */
  function param(weights, layer, which) {
    const [offset, count] = layer.params[which];
    return weights.subarray(offset, offset + count);
  }
  cnnbook.param = param;

  function conv(x, [h, w, cin], layer, weights) {
    const [kh, kw, , cout] = layer.kernel_shape;
    const [sh, sw] = layer.stride;
    const [[pt], [pl]] = layer.padding;
    const [oh, ow] = layer.output_shape;
    const kernel = param(weights, layer, "kernel");
    const bias = param(weights, layer, "bias");
    const out = new Float32Array(oh * ow * cout);
    const acc = new Float64Array(cout);
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let co = 0; co < cout; co++) acc[co] = bias[co];
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh + ky - pt;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sw + kx - pl;
            if (ix < 0 || ix >= w) continue;
            const xBase = (iy * w + ix) * cin;
            const kBase = (ky * kw + kx) * cin * cout;
            for (let ci = 0; ci < cin; ci++) {
              const v = x[xBase + ci];
              if (v === 0) continue; // after a ReLU most inputs are zero
              const k = kBase + ci * cout;
              for (let co = 0; co < cout; co++) acc[co] += v * kernel[k + co];
            }
          }
        }
        const o = (oy * ow + ox) * cout;
        for (let co = 0; co < cout; co++) out[o + co] = acc[co];
      }
    }
    return out;
  }

  function pool(x, [h, w, c], layer) {
    const [oh, ow] = layer.output_shape;
    const { window: k, stride: s, op } = layer;
    const out = new Float32Array(oh * ow * c);
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let ch = 0; ch < c; ch++) {
          let best = op === "max" ? -Infinity : 0;
          for (let dy = 0; dy < k; dy++) {
            for (let dx = 0; dx < k; dx++) {
              const v = x[((oy * s + dy) * w + ox * s + dx) * c + ch];
              best = op === "max" ? Math.max(best, v) : best + v;
            }
          }
          out[(oy * ow + ox) * c + ch] = op === "max" ? best : best / (k * k);
        }
      }
    }
    return out;
  }

  function dense(x, layer, weights) {
    const [nin, nout] = layer.kernel_shape;
    const kernel = param(weights, layer, "kernel");
    const bias = param(weights, layer, "bias");
    const acc = Float64Array.from(bias);
    for (let i = 0; i < nin; i++) {
      const v = x[i];
      if (v === 0) continue;
      const row = i * nout;
      for (let o = 0; o < nout; o++) acc[o] += v * kernel[row + o];
    }
    return Float32Array.from(acc);
  }

  function relu(values) {
    return values.map((v) => (v > 0 ? v : 0));
  }

  /** Softmax of the logits, as float64 for display. */
  cnnbook.softmax = function (logits) {
    const top = Math.max(...logits);
    const e = Array.from(logits, (v) => Math.exp(v - top));
    const total = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / total);
  };

  /**
   * Run the network of `manifest` with `weights` (a Float32Array) on `x` (Float32Array, input shape).
   * Returns {outputs: [{layer, shape, values, before}], logits, probs}: every layer's output in order;
   * `before` is a conv or dense layer's sum before its own activation (the arithmetic shows both).
   */
  cnnbook.forward = function (manifest, weights, x) {
    const values = { input: x };
    const shapes = { input: manifest.input.shape };
    let previous = "input";
    const outputs = [];
    for (const layer of manifest.layers) {
      const source = layer.reads === null || layer.reads === undefined ? previous : layer.reads;
      const input = values[source];
      const shape = shapes[source];
      let before = null;
      let out;
      if (layer.kind === "conv") out = before = conv(input, shape, layer, weights);
      else if (layer.kind === "dense") out = before = dense(input, layer, weights);
      else if (layer.kind === "pool") out = pool(input, shape, layer);
      else if (layer.kind === "relu") out = relu(input);
      else if (layer.kind === "flatten") out = input;
      else if (layer.kind === "softmax") out = Float32Array.from(cnnbook.softmax(input));
      else throw new Error("unknown layer kind " + layer.kind + " in " + layer.name);
      if (layer.activation === "relu") out = relu(out);
      else if (layer.activation) throw new Error("unknown activation " + layer.activation + " in " + layer.name);
      values[layer.name] = out;
      shapes[layer.name] = layer.output_shape;
      outputs.push({ layer, shape: layer.output_shape, values: out, before: layer.activation ? before : null,
                     input: source });
      previous = layer.name;
    }
    const logits = outputs[outputs.length - 1].values;
    return { outputs, logits, probs: cnnbook.softmax(logits), values };
  };

  /**
   * The arithmetic behind one output value of a conv layer: each input value of its window times
   * the kernel weight it meets, the bias, the sum, and the value after the layer's activation.
   * `result` is what forward() returned; (row, col, channel) index the layer's output.
   */
  cnnbook.convArithmetic = function (manifest, weights, result, layerIndex, row, col, channel) {
    const entry = result.outputs[layerIndex];
    const layer = entry.layer;
    const x = result.values[entry.input];
    const [h, w, cin] = entry.input === "input" ? manifest.input.shape : result.outputs.find((o) => o.layer.name === entry.input).shape;
    const [kh, kw, , cout] = layer.kernel_shape;
    const [[pt], [pl]] = layer.padding;
    const kernel = param(weights, layer, "kernel");
    const bias = param(weights, layer, "bias")[channel];
    const terms = [];
    let sum = bias;
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        const iy = row * layer.stride[0] + ky - pt;
        const ix = col * layer.stride[1] + kx - pl;
        const inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
        for (let ci = 0; ci < cin; ci++) {
          const input = inside ? x[(iy * w + ix) * cin + ci] : 0; // padding reads zeros
          const weight = kernel[((ky * kw + kx) * cin + ci) * cout + channel];
          terms.push({ ky, kx, ci, iy, ix, inside, input, weight, product: input * weight });
          sum += input * weight;
        }
      }
    }
    const value = entry.values[(row * layer.output_shape[1] + col) * cout + channel];
    return { terms, bias, sum, activation: layer.activation || null,
             activated: layer.activation === "relu" ? Math.max(0, sum) : sum, value,
             window: { top: row * layer.stride[0] - pt, left: col * layer.stride[1] - pl, kh, kw } };
  };

  /** The window a pool output reads, its values and the winner (for max pooling). */
  cnnbook.poolWindow = function (manifest, result, layerIndex, row, col, channel) {
    const entry = result.outputs[layerIndex];
    const layer = entry.layer;
    const x = result.values[entry.input];
    const [, w, c] = entry.input === "input" ? manifest.input.shape : result.outputs.find((o) => o.layer.name === entry.input).shape;
    const cells = [];
    for (let dy = 0; dy < layer.window; dy++) {
      for (let dx = 0; dx < layer.window; dx++) {
        const iy = row * layer.stride + dy;
        const ix = col * layer.stride + dx;
        cells.push({ iy, ix, value: x[(iy * w + ix) * c + channel] });
      }
    }
    const value = entry.values[(row * layer.output_shape[1] + col) * c + channel];
    return { cells, op: layer.op, value, window: { top: row * layer.stride, left: col * layer.stride,
             kh: layer.window, kw: layer.window } };
  };

  /** The output size of a convolution or pooling along one side: ⌊(n + 2p − k) / s⌋ + 1. */
  cnnbook.outputSize = function (n, k, p, s) {
    return Math.floor((n + 2 * p - k) / s) + 1;
  };
})();
