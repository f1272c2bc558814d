/* cnnbook explorers: the page around the forward pass of forward.js.
 *
 * Every `.cnnbook-explorer` element becomes the explorer of one network: an input (a drawn digit,
 * an uploaded photo or a test image), every layer's channels redrawn as the input changes, the class
 * probabilities, and, for a chosen pixel of a conv or pool channel, the arithmetic behind it.
 *
 * A classic script like forward.js, so the book works opened from disk (file://). It is loaded
 * before colormaps.js, which calls cnnbook.registerColormaps, defined here.
 */
(function () {
  "use strict";
  const cnnbook = (window.cnnbook = window.cnnbook || {});
  cnnbook.explorers = cnnbook.explorers || {};

  const PAD_SIZE = 280; // the drawing's canvas pixels: ten per MNIST pixel
  const BRUSH = PAD_SIZE / 14; // as thick, for the 28 × 28 digit, as an MNIST pen stroke
  const INK_THRESHOLD = 0.1; // brighter than this counts as ink when cropping a drawing
  // How a drawing is prepared when the manifest's input.preprocess does not say: MNIST scaled each
  // digit to fit 20 × 20 and centred it by its mass in 28 × 28.
  const DIGIT_PREPROCESS = { kind: "digit", fit: 20, size: 28 };
  const MAP_PX = 56; // a channel's canvas is about this many CSS pixels wide
  const DETAILED_CHANNELS = 3; // input channels whose every tap the arithmetic lists
  const INK = Array.from({ length: 256 }, (_, v) => [v, v, v]); // the pad's white on black, as drawn
  const ARROWS = { ArrowUp: [-1, 0], ArrowDown: [1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] };
  const CHANNEL_KEYS = { PageUp: -1, PageDown: 1, "[": -1, "]": 1 }; // to the previous / next channel
  const KEYS_HINT = "Arrow keys move the chosen pixel, Page Up and Page Down (or [ and ]) go to the " +
                    "previous or next channel, Enter or Space chooses the pixel under the cursor.";

  // --- Colour maps: colormaps.js brings the static figures' tables ------------------------------

  let colormapsArrived;
  const colormapsRegistered = new Promise((resolve) => (colormapsArrived = resolve));

  cnnbook.registerColormaps = function (maps) {
    cnnbook.colormaps = maps;
    colormapsArrived(maps);
  };

  /** The colour maps, once colormaps.js has run; an error if the page finished loading without it. */
  function colormapsReady() {
    if (cnnbook.colormaps) return Promise.resolve(cnnbook.colormaps);
    return new Promise((resolve, reject) => {
      colormapsRegistered.then(resolve);
      const missing = () => reject(new Error("the colour maps (colormaps.js) did not load"));
      if (document.readyState === "complete") setTimeout(missing, 3000);
      else window.addEventListener("load", () => setTimeout(() => cnnbook.colormaps || missing()));
    });
  }

  // --- Small helpers ---------------------------------------------------------------------------

  /** A number as the arithmetic prints it: four significant digits and a true minus sign. */
  function fmt(v) {
    return v === 0 ? "0" : String(Number(v.toPrecision(4))).replace(/-/g, "\u2212");
  }

  function percent(p) {
    return (100 * p).toFixed(1) + "%";
  }

  /** An index kept in 0 .. n − 1. */
  function clamp(i, n) {
    return Math.min(n - 1, Math.max(0, i));
  }

  function argmax(values) {
    let best = 0;
    for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
    return best;
  }

  function maxAbs(values) {
    let m = 0;
    for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]));
    return m;
  }

  /** An element with attributes (`text` sets its text, `on…` adds a listener) and children. */
  function el(tag, attributes = {}, children = []) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes)) {
      if (key === "text") node.textContent = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value);
    }
    for (const child of [].concat(children)) if (child !== null && child !== undefined) node.append(child);
    return node;
  }

  /** Text for screen readers only (the CSS hides it from the eye, not from assistive technology). */
  function hiddenText(attributes = {}, text = "") {
    return el("p", { ...attributes, class: "cnnbook-visually-hidden", text });
  }

  /** Show an error in the explorer, readable, and in the console for whoever debugs it (clearError removes it). */
  function showError(root, error, what) {
    console.error(error);
    let box = root.querySelector(".cnnbook-explorer__error");
    if (!box) box = root.appendChild(el("p", { class: "cnnbook-explorer__error", role: "alert" }));
    box.textContent = what + ": " + (error && error.message ? error.message : error);
  }

  function clearError(root) {
    const box = root.querySelector(".cnnbook-explorer__error");
    if (box) box.remove();
  }

  // --- Painting maps ---------------------------------------------------------------------------

  /** Colour channel `channel` of an [h, w, channels] map into `image` with a 256-colour `map` over [lo, hi]. */
  function paintChannel(image, values, channel, channels, map, lo, hi) {
    const data = image.data;
    const count = Math.min(image.width * image.height, Math.floor(values.length / channels));
    const scale = hi > lo ? 255 / (hi - lo) : 0; // a layer of zeros takes the middle colour
    for (let i = 0; i < count; i++) {
      const k = hi > lo ? Math.round((values[i * channels + channel] - lo) * scale) : 128;
      const rgb = map[k < 0 ? 0 : k > 255 ? 255 : k];
      data[4 * i] = rgb[0];
      data[4 * i + 1] = rgb[1];
      data[4 * i + 2] = rgb[2];
      data[4 * i + 3] = 255;
    }
  }

  /** An RGB map in 0..1 as the picture it is. */
  function paintRGB(image, values) {
    const data = image.data;
    for (let i = 0; i < image.width * image.height; i++) {
      for (let k = 0; k < 3; k++) data[4 * i + k] = Math.round(255 * Math.min(1, Math.max(0, values[3 * i + k])));
      data[4 * i + 3] = 255;
    }
  }

  /** One channel: a canvas of its own pixels, scaled up by CSS, with outlines drawn over it. */
  function channelView(h, w, label) {
    const scale = Math.max(1, Math.round(MAP_PX / Math.max(h, w)));
    // A picture to assistive technology; makeSelectable turns the chosen-pixel ones into widgets.
    const canvas = el("canvas", { width: w, height: h, class: "cnnbook-map", role: "img", "aria-label": label });
    canvas.style.width = w * scale + "px";
    canvas.style.height = h * scale + "px";
    const frame = el("span", { class: "cnnbook-channel" }, canvas);
    const context = canvas.getContext("2d");
    const image = context.createImageData(w, h);
    const outlines = {};
    return {
      frame, canvas, image, h, w,
      show: () => context.putImageData(image, 0, 0),
      clear: () => context.clearRect(0, 0, w, h),
      /** Outline a box {top, left, kh, kw} in pixels; `kind` names the mark (and its CSS); null removes it. */
      outline(kind, box) {
        if (!box) return outlines[kind] && outlines[kind].remove();
        const mark = (outlines[kind] = outlines[kind] || el("span", { class: "cnnbook-outline cnnbook-outline--" + kind }));
        Object.assign(mark.style, { top: (100 * box.top) / h + "%", left: (100 * box.left) / w + "%",
                                    height: (100 * box.kh) / h + "%", width: (100 * box.kw) / w + "%" });
        frame.append(mark);
      },
    };
  }

  // --- Layer rows ------------------------------------------------------------------------------

  function describe(layer) {
    const relu = layer.activation === "relu" ? " + ReLU" : "";
    if (layer.kind === "conv") return `conv ${layer.kernel_shape[0]}×${layer.kernel_shape[1]}` + relu;
    if (layer.kind === "pool") return `${layer.op} pool ${layer.window}×${layer.window}`;
    if (layer.kind === "relu") return "ReLU";
    return layer.kind + relu;
  }

  /** A row of the layers: its name, kind and output shape, and a place for its channels. */
  function rowElement(name, kind, shape) {
    return el("div", { class: "cnnbook-layer", "data-layer": name }, [
      el("div", { class: "cnnbook-layer__label" }, [
        el("span", { class: "cnnbook-layer__name", text: name }), " ",
        el("span", { class: "cnnbook-layer__kind", text: kind }), " ",
        el("span", { class: "cnnbook-layer__shape", text: shape.join(" × ") }),
      ]),
      el("div", { class: "cnnbook-layer__channels" }),
    ]);
  }

  /** A row of canvases; `views` (all canvases) and `channels` (one per channel) for the outlines. */
  function row(name, kind, shape, channels, extraViews = []) {
    const element = rowElement(name, kind, shape);
    const views = [...extraViews, ...channels];
    element.lastChild.append(...views.map((v) => v.frame));
    return { element, channels, views, clear: () => views.forEach((v) => v.clear()) };
  }

  function channelViews(name, [h, w, c]) {
    return Array.from({ length: c }, (_, ch) => channelView(h, w, `${name}, channel ${ch}`));
  }

  /** A layer with a 3-D output: a canvas per channel, all on the layer's one symmetric range. */
  function mapsRow(name, kind, shape, maps) {
    const result = row(name, kind, shape, channelViews(name, shape));
    result.paint = (values) => {
      const m = maxAbs(values);
      result.channels.forEach((view, ch) => {
        paintChannel(view.image, values, ch, shape[2], maps.diverging, -m, m);
        view.show();
      });
    };
    return result;
  }

  /** The input: greys for one channel; an RGB picture and its channels in red, green and blue ramps. */
  function inputRow(shape, [lo, hi], maps) {
    const rgb = shape[2] === 3;
    const picture = rgb ? [channelView(shape[0], shape[1], "input image")] : [];
    const result = row("input", "input", shape, channelViews("input", shape), picture);
    const ramps = rgb ? [maps.red, maps.green, maps.blue] : null;
    result.paint = (values) => {
      if (rgb) paintRGB(picture[0].image, values);
      const m = maxAbs(values);
      result.channels.forEach((view, ch) => {
        if (ramps) paintChannel(view.image, values, ch, 3, ramps[ch], lo, hi);
        else if (shape[2] === 1) paintChannel(view.image, values, 0, 1, maps.greys, lo, hi);
        else paintChannel(view.image, values, ch, shape[2], maps.diverging, -m, m);
      });
      result.views.forEach((view) => view.show());
    };
    return result;
  }

  /** How a 1-D layer's cells wrap: short ones in one line of big cells, long ones in lines of 64. */
  function stripGeometry(n) {
    if (n <= 16) return { cols: n, cell: 24 };
    if (n <= 128) return { cols: Math.min(n, 32), cell: 10 };
    return { cols: 64, cell: 6 };
  }

  /** A 1-D layer (flatten, dense) as a strip of cells. */
  function stripRow(name, kind, shape, maps) {
    const n = shape[0];
    const { cols, cell } = stripGeometry(n);
    const lines = Math.ceil(n / cols);
    const view = channelView(lines, cols, `${name}: ${n} values`);
    view.canvas.style.width = cols * cell + "px";
    view.canvas.style.height = lines * cell + "px";
    const result = row(name, kind, shape, [view]);
    result.paint = (values) => {
      const m = maxAbs(values);
      paintChannel(view.image, values, 0, 1, maps.diverging, -m, m);
      view.show();
    };
    return result;
  }

  // --- Inputs: a drawing prepared as MNIST's digits were, a photo as CNN Explainer does ---------

  /**
   * The square a reader draws on with a mouse, finger or pen: white ink on black, a round brush.
   * `onStroke` runs as the ink changes, `onStrokeEnd` when the pen lifts.
   */
  function drawingPad(onStroke, onStrokeEnd) {
    const canvas = el("canvas", { width: PAD_SIZE, height: PAD_SIZE, class: "cnnbook-pad", role: "img",
                                  "aria-label": "Drawing area: draw a digit with a mouse, a finger or a pen. " +
                                                "With a keyboard, choose a digit in the Test image list instead." });
    const context = canvas.getContext("2d", { willReadFrequently: true });
    let last = null; // where the pen is while it is down
    const pointAt = (event) => {
      const box = canvas.getBoundingClientRect();
      return [((event.clientX - box.left) * PAD_SIZE) / box.width, ((event.clientY - box.top) * PAD_SIZE) / box.height];
    };
    const clear = () => {
      context.fillStyle = "#000";
      context.fillRect(0, 0, PAD_SIZE, PAD_SIZE);
    };
    const dot = ([x, y]) => {
      context.fillStyle = "#fff";
      context.beginPath();
      context.arc(x, y, BRUSH / 2, 0, 2 * Math.PI);
      context.fill();
    };
    const line = (from, to) => {
      Object.assign(context, { strokeStyle: "#fff", lineWidth: BRUSH, lineCap: "round", lineJoin: "round" });
      context.beginPath();
      context.moveTo(...from);
      context.lineTo(...to);
      context.stroke();
    };
    canvas.addEventListener("pointerdown", (event) => {
      if (event.button !== 0) return;
      canvas.setPointerCapture(event.pointerId); // keep the stroke when the pen leaves the square
      last = pointAt(event);
      dot(last);
      onStroke();
      event.preventDefault();
    });
    canvas.addEventListener("pointermove", (event) => {
      if (!last) return;
      const point = pointAt(event);
      line(last, point);
      last = point;
      onStroke();
    });
    for (const type of ["pointerup", "pointercancel"]) {
      canvas.addEventListener(type, () => {
        if (!last) return;
        last = null;
        onStrokeEnd();
      });
    }
    clear();
    return {
      canvas, clear,
      read: () => context.getImageData(0, 0, PAD_SIZE, PAD_SIZE),
      /** Show a test digit (size × size, 0..1) as if it had been drawn. */
      show(values, size) {
        const small = el("canvas", { width: size, height: size });
        const smallContext = small.getContext("2d");
        const image = smallContext.createImageData(size, size);
        paintChannel(image, values, 0, 1, INK, 0, 1);
        smallContext.putImageData(image, 0, 0);
        context.imageSmoothingEnabled = true;
        context.drawImage(small, 0, 0, PAD_SIZE, PAD_SIZE);
      },
    };
  }

  /** The ink's bounding box in a drawing's red channel, or null for an empty drawing. */
  function inkBox({ data, width, height }) {
    let top = height, left = width, bottom = -1, right = -1;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (data[4 * (y * width + x)] <= 255 * INK_THRESHOLD) continue;
        top = Math.min(top, y);
        bottom = Math.max(bottom, y);
        left = Math.min(left, x);
        right = Math.max(right, x);
      }
    }
    return bottom < 0 ? null : { top, left, h: bottom - top + 1, w: right - left + 1 };
  }

  /** The box resized to th × tw, each new pixel the mean of the drawing's pixels it covers (smooth). */
  function resizeBox({ data, width }, box, th, tw) {
    const out = new Float32Array(th * tw);
    // The drawing's rows (or columns) [start, end) under new row i of n: at least one, so enlarging works too.
    const span = (i, n, size) => {
      const start = Math.floor((i * size) / n);
      return [start, Math.max(start + 1, Math.floor(((i + 1) * size) / n))];
    };
    for (let ty = 0; ty < th; ty++) {
      const [y0, y1] = span(ty, th, box.h);
      for (let tx = 0; tx < tw; tx++) {
        const [x0, x1] = span(tx, tw, box.w);
        let total = 0;
        for (let y = y0; y < y1; y++) {
          for (let x = x0; x < x1; x++) total += data[4 * ((box.top + y) * width + box.left + x)];
        }
        out[ty * tw + tx] = total / (255 * (y1 - y0) * (x1 - x0));
      }
    }
    return out;
  }

  /** The intensity-weighted centre (row, column) of an h × w image. */
  function centreOfMass(values, h, w) {
    let mass = 0, cy = 0, cx = 0;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const v = values[y * w + x];
        mass += v;
        cy += v * y;
        cx += v * x;
      }
    }
    return [cy / mass, cx / mass];
  }

  /**
   * A drawing as MNIST's digits were made: cropped to the ink, scaled so its longer side is `fit`
   * (20) px, and placed in `size` × `size` (28 × 28) with its centre of mass in the middle (14, 14).
   * Null when nothing is drawn.
   */
  function mnistInput(drawing, { fit, size }) {
    const box = inkBox(drawing);
    if (!box) return null;
    const scale = fit / Math.max(box.h, box.w);
    const th = Math.max(1, Math.round(box.h * scale)), tw = Math.max(1, Math.round(box.w * scale));
    const digit = resizeBox(drawing, box, th, tw);
    // Centring the box and then shifting by round(14 − cy) comes to placing it at round(14 − cy)
    // with cy measured in the box, since the centring offset is a whole number.
    const [cy, cx] = centreOfMass(digit, th, tw);
    const top = Math.round(size / 2 - cy), left = Math.round(size / 2 - cx);
    const out = new Float32Array(size * size);
    for (let y = 0; y < th; y++) {
      for (let x = 0; x < tw; x++) {
        const oy = top + y, ox = left + x;
        if (oy >= 0 && oy < size && ox >= 0 && ox < size) out[oy * size + ox] = digit[y * tw + x];
      }
    }
    return out;
  }

  /** A photo as CNN Explainer reads one: shorter side scaled to `size`, the middle square, RGB 0..1. */
  function photoInput(image, { size }) {
    const h = size, w = size;
    const canvas = el("canvas", { width: w, height: h });
    const context = canvas.getContext("2d", { willReadFrequently: true });
    const side = Math.min(image.naturalWidth, image.naturalHeight);
    context.imageSmoothingQuality = "high";
    context.drawImage(image, (image.naturalWidth - side) / 2, (image.naturalHeight - side) / 2, side, side, 0, 0, w, h);
    const rgba = context.getImageData(0, 0, w, h).data;
    return Float32Array.from({ length: h * w * 3 }, (_, i) => rgba[4 * Math.floor(i / 3) + (i % 3)] / 255);
  }

  // --- The arithmetic panel --------------------------------------------------------------------

  /** A conv output's taps grouped by input channel, each group with its sum. */
  function groupByChannel(terms) {
    const groups = [];
    for (const term of terms) {
      const group = (groups[term.ci] = groups[term.ci] || { ci: term.ci, terms: [], sum: 0 });
      group.terms.push(term);
      group.sum += term.product;
    }
    return groups;
  }

  /** One input channel's taps as the kernel lies: input × weight = product in each cell. */
  function tapTable(terms, kw) {
    const rows = [];
    for (let i = 0; i < terms.length; i += kw) {
      rows.push(el("tr", {}, terms.slice(i, i + kw).map((t) =>
        el("td", { class: t.inside ? "" : "is-padding", title: t.inside ? `input row ${t.iy}, column ${t.ix}` : "padding" }, [
          el("span", { text: `${fmt(t.input)} × ${fmt(t.weight)}` }), el("br"), el("span", { text: `= ${fmt(t.product)}` }),
        ]))));
    }
    return el("table", { class: "cnnbook-arithmetic__taps" }, el("tbody", {}, rows));
  }

  /** A channel's slice of the kernel in the diverging colours, on the layer's kernel range. */
  function kernelPicture(terms, kh, kw, range, maps) {
    const view = channelView(kh, kw, "kernel");
    view.canvas.style.width = 12 * kw + "px";
    view.canvas.style.height = 12 * kh + "px";
    paintChannel(view.image, terms.map((t) => t.weight), 0, 1, maps.diverging, -range, range);
    view.show();
    return view.frame;
  }

  function convGroups(groups, kh, kw, range, maps) {
    const detailed = groups.length <= DETAILED_CHANNELS + 1 ? groups : groups.slice(0, DETAILED_CHANNELS);
    const nodes = detailed.map((g) => el("div", { class: "cnnbook-arithmetic__group" }, [
      el("p", {}, [kernelPicture(g.terms, kh, kw, range, maps),
                   ` input channel ${g.ci}: Σ = ${fmt(g.sum)}`]),
      tapTable(g.terms, kw),
    ]));
    if (detailed.length < groups.length) {
      nodes.push(el("p", { text: `The other ${groups.length - detailed.length} input channels, by their sums:` }),
                 el("ol", { class: "cnnbook-arithmetic__sums", start: String(detailed.length) },
                    groups.slice(detailed.length).map((g) => el("li", { text: `channel ${g.ci}: Σ = ${fmt(g.sum)}` }))));
    }
    return nodes;
  }

  /** The closing line of a conv: Σ of the products, + bias, the activation. */
  function convTotal(a, products) {
    const relu = a.activation === "relu" ? ` → ReLU → ${fmt(a.activated)}` : "";
    return `Σ = ${fmt(products)}, + bias ${fmt(a.bias)} = ${fmt(a.sum)}` + relu;
  }

  /** A pool's window as it lies, the winner of a max pool marked. */
  function windowTable(values, k, winner) {
    const rows = [];
    for (let i = 0; i < values.length; i += k) {
      rows.push(el("tr", {}, values.slice(i, i + k).map((v, j) => i + j === winner
        ? el("td", { class: "is-winner" }, el("strong", { text: fmt(v) + " ◀ max" }))
        : el("td", { text: fmt(v) }))));
    }
    return el("table", { class: "cnnbook-arithmetic__taps" }, el("tbody", {}, rows));
  }

  // --- The explorer ----------------------------------------------------------------------------

  class Explorer {
    constructor(root, model, maps) {
      this.root = root;
      this.manifest = model.manifest;
      this.weights = model.weights;
      this.examples = model.examples;
      this.maps = maps;
      this.kind = root.dataset.input || this.manifest.input.kind;
      // How a drawing or a photo becomes the input: the manifest says, else MNIST's way for a drawing
      // and, for a photo, CNN Explainer's crop to the input's size.
      const defaults = this.kind === "digit" ? DIGIT_PREPROCESS : { kind: "photo", size: this.manifest.input.shape[0] };
      this.preprocess = { ...defaults, ...(this.manifest.input.preprocess || {}) };
      const variants = Object.keys(model.weights);
      // `state` is the object tests read (cnnbook.explorers[net].state): kept current, never replaced.
      this.state = { result: null, variant: variants.includes("trained") ? "trained" : variants[0], input: null };
      this.selection = null; // {layerIndex, channel, row, col}: the pinned pixel, whose arithmetic the panel shows
      this.hover = null; // the pixel the mouse previews, same fields
      this.outlined = { pinned: [], hover: [] }; // [view, kind] outlines to remove when the pixel changes
      this.frame = 0; // a drawing's forward pass waiting for the next animation frame
      // Screen readers hear a summary here when the reader chooses something, not at every redraw.
      this.announcer = hiddenText({ role: "status", "aria-live": "polite" });
      const id = "cnnbook-keys-" + String(this.manifest.network).replace(/\W/g, "-");
      this.keysHint = hiddenText({ id }, KEYS_HINT);
      this.hoverCard = el("div", { class: "cnnbook-hover-card", "aria-hidden": "true" }); // the mouse's preview
      this.hoverCard.hidden = true;
      root.append(this.announcer, this.keysHint, this.buildControls(), this.buildOutputs(), this.buildLayers(),
                  this.hoverCard);
      this.panel = el("div", { class: "cnnbook-arithmetic" });
      this.panel.hidden = true;
    }

    hooks() {
      return { run: (x) => this.run(x), setVariant: (name) => this.setVariant(name), state: this.state,
               manifest: this.manifest, weights: this.weights };
    }

    start() {
      // The first test image fills the layers, but not the drawing pad: a reader's first stroke starts afresh.
      if (this.examples.length) this.pickExample("0", false);
      this.root.dataset.ready = "1";
    }

    buildControls() {
      const [h, w] = this.manifest.input.shape;
      this.preview = channelView(h, w, "the input the network reads");
      const px = Math.min(128, 4 * Math.max(h, w)) + "px"; // 28 × 28 at 4 CSS px a pixel, 64 × 64 at 2
      Object.assign(this.preview.canvas.style, { width: px, height: px });
      const input = this.kind === "digit" ? this.buildPad() : this.buildUpload();
      const choices = el("div", { class: "cnnbook-explorer__choices" }, [this.buildExamples(), this.buildVariants()]);
      return el("div", { class: "cnnbook-explorer__controls" }, [input, choices]);
    }

    buildPad() {
      const [h, w] = this.manifest.input.shape;
      // The prediction is announced once the pen lifts, after the stroke's last forward pass (the frame before).
      this.pad = drawingPad(() => this.drawingChanged(), () => requestAnimationFrame(() => this.announcePrediction()));
      const clear = el("button", { type: "button", class: "md-button", text: "Clear", onclick: () => this.clearDrawing() });
      return el("div", { class: "cnnbook-explorer__input" }, [
        el("figure", {}, [this.pad.canvas, el("figcaption", {}, ["Draw a digit ", clear])]),
        el("figure", {}, [this.preview.frame, el("figcaption", { text: `What the network reads (${h} × ${w})` })]),
      ]);
    }

    buildUpload() {
      const file = el("input", { type: "file", accept: "image/*", onchange: (e) => this.loadPhoto(e.target.files[0]) });
      return el("div", { class: "cnnbook-explorer__input" }, [
        el("figure", {}, [this.preview.frame, el("figcaption", { text: "What the network reads" })]),
        el("label", { class: "cnnbook-explorer__field" }, ["Upload a photo ", file]),
      ]);
    }

    buildExamples() {
      const own = this.kind === "digit" ? "(your drawing)" : "(your photo)";
      this.exampleSelect = el("select", { onchange: () => this.pickExample(this.exampleSelect.value) }, [
        el("option", { value: "", text: own }),
        ...this.examples.map((example, i) => el("option", { value: String(i), text: example.caption })),
      ]);
      return el("label", { class: "cnnbook-explorer__field" }, ["Test image ", this.exampleSelect]);
    }

    variantTitle(name) {
      const variant = (this.manifest.variants || {})[name];
      return variant && variant.title ? variant.title : name;
    }

    buildVariants() {
      const names = Object.keys(this.weights);
      if (names.length < 2) return null;
      const change = () => {
        this.setVariant(this.variantSelect.value);
        this.announcePrediction();
      };
      this.variantSelect = el("select", { onchange: change },
        names.map((name) => el("option", { value: name, text: this.variantTitle(name) })));
      this.variantSelect.value = this.state.variant;
      return el("label", { class: "cnnbook-explorer__field" }, ["Weights ", this.variantSelect]);
    }

    buildOutputs() {
      this.prediction = el("strong", { class: "cnnbook-prediction", text: "—" });
      this.comparison = Object.keys(this.weights).length > 1 ? el("ul", { class: "cnnbook-explorer__variants" }) : null;
      this.bars = this.manifest.class_names.map((name) => {
        const fill = el("span", { class: "cnnbook-bar__fill" });
        const value = el("span", { class: "cnnbook-bar__value", text: "" });
        const element = el("div", { class: "cnnbook-bar" }, [
          el("span", { class: "cnnbook-bar__label", text: name }), el("span", { class: "cnnbook-bar__track" }, fill), value]);
        return { element, fill, value };
      });
      return el("div", { class: "cnnbook-explorer__outputs" }, [
        el("p", {}, ["Prediction: ", this.prediction]),
        this.comparison,
        el("div", { class: "cnnbook-bars", role: "group", "aria-label": "class probabilities" }, this.bars.map((b) => b.element)),
      ]);
    }

    buildLayers() {
      const { shape, range } = this.manifest.input;
      this.inputView = inputRow(shape, range || [0, 1], this.maps);
      this.rows = this.manifest.layers.map((layer, i) => this.layerRow(layer, i));
      this.rowByName = { input: this.inputView };
      this.manifest.layers.forEach((layer, i) => (this.rowByName[layer.name] = this.rows[i]));
      return el("div", { class: "cnnbook-layers" }, [this.inputView, ...this.rows].map((r) => r.element));
    }

    layerRow(layer, index) {
      if (layer.output_shape.length !== 3) return stripRow(layer.name, describe(layer), layer.output_shape, this.maps);
      const result = mapsRow(layer.name, describe(layer), layer.output_shape, this.maps);
      if (layer.kind === "conv" || layer.kind === "pool") {
        result.current = 0; // the channel that is the row's tab stop
        result.cursor = { row: layer.output_shape[0] >> 1, col: layer.output_shape[1] >> 1 }; // where the keys start
        result.channels.forEach((view, channel) => this.makeSelectable(view, layer.name, index, channel));
      }
      return result;
    }

    // --- Choosing a pixel: click, hover, or the keyboard ------------------------------------------

    /**
     * A conv or pool channel: a click pins a pixel, the mouse previews one, and the keys move the
     * pinned one. The whole row is one tab stop (a roving tabindex): its current channel has it.
     */
    makeSelectable(view, name, layerIndex, channel) {
      const canvas = view.canvas;
      canvas.tabIndex = channel === 0 ? 0 : -1;
      canvas.classList.add("is-selectable");
      // "application": screen readers hand the arrow and page keys to it instead of reading on with them.
      canvas.setAttribute("role", "application");
      canvas.setAttribute("aria-label", `${name}, channel ${channel}, ${view.h} × ${view.w}: ` +
                                        "choose a pixel to see its arithmetic");
      canvas.setAttribute("aria-describedby", this.keysHint.id);
      const pixelAt = (event) => {
        const box = canvas.getBoundingClientRect();
        return { layerIndex, channel, row: clamp(Math.floor(((event.clientY - box.top) / box.height) * view.h), view.h),
                 col: clamp(Math.floor(((event.clientX - box.left) / box.width) * view.w), view.w) };
      };
      canvas.addEventListener("click", (event) => this.pin(pixelAt(event)));
      canvas.addEventListener("pointermove", (event) => {
        if (event.pointerType !== "touch") this.hoverPixel(pixelAt(event)); // a finger's tap pins at once
      });
      canvas.addEventListener("pointerleave", () => this.hoverPixel(null));
      canvas.addEventListener("focus", () => this.showCursor(layerIndex, channel));
      canvas.addEventListener("keydown", (event) => this.onKey(event, layerIndex, channel));
    }

    onKey(event, layerIndex, channel) {
      if (event.altKey || event.ctrlKey || event.metaKey) return; // the browser's and the screen reader's own keys
      const row = this.rows[layerIndex];
      const { h, w } = row.channels[channel];
      const cursor = row.cursor;
      const step = ARROWS[event.key], turn = CHANNEL_KEYS[event.key];
      if (step) {
        this.select({ layerIndex, channel, row: clamp(cursor.row + step[0], h), col: clamp(cursor.col + step[1], w) });
      } else if (turn) {
        // The same pixel on the neighbouring channel; focus follows, as the row's tab stop does.
        const next = clamp(channel + turn, row.channels.length);
        this.select({ layerIndex, channel: next, row: cursor.row, col: cursor.col });
        row.channels[next].canvas.focus();
      } else if (event.key === "Enter" || event.key === " ") {
        this.select({ layerIndex, channel, row: cursor.row, col: cursor.col });
      } else {
        return;
      }
      event.preventDefault();
    }

    /** The keyboard's cursor (shown by CSS only while the canvas has keyboard focus). */
    showCursor(layerIndex, channel) {
      const { row, col } = this.rows[layerIndex].cursor;
      this.rows[layerIndex].channels[channel].outline("cursor", { top: row, left: col, kh: 1, kw: 1 });
    }

    /** Pin a pixel: its arithmetic in the panel, its row's tab stop on its channel, a line for screen readers. */
    select(selection) {
      const row = this.rows[selection.layerIndex];
      row.channels[row.current].canvas.tabIndex = -1;
      row.channels[selection.channel].canvas.tabIndex = 0;
      row.current = selection.channel;
      row.cursor = { row: selection.row, col: selection.col };
      this.showCursor(selection.layerIndex, selection.channel);
      this.selection = selection;
      const shown = this.showArithmetic();
      if (shown) this.announce(`${shown.title}: ${fmt(shown.value)}`);
    }

    /** A click: pin the pixel, and let the preview rest until the mouse reaches another pixel. */
    pin(selection) {
      this.select(selection);
      this.hover = null;
      this.showHover();
    }

    /** The mouse over a pixel (null: it left): recomputed only when the pixel changes. */
    hoverPixel(selection) {
      const key = selection && [selection.layerIndex, selection.channel, selection.row, selection.col].join();
      if (key === this.hoverKey) return;
      this.hoverKey = key;
      this.hover = selection;
      this.showHover();
    }

    /** What one output pixel is: its title, its window on the layer below, and its arithmetic. */
    explain(sel) {
      const entry = this.state.result.outputs[sel.layerIndex];
      const source = this.rowByName[entry.input];
      const how = entry.layer.kind === "conv" ? this.explainConv(entry, sel, source)
                                              : this.explainPool(entry, sel, source);
      return { title: `${entry.layer.name}, channel ${sel.channel}, row ${sel.row}, column ${sel.col}`, ...how };
    }

    /** Outline the pixel and its window; the pinned and the previewed pixel each have their own marks. */
    outlinePixel(set, sel, how) {
      for (const [view, kind] of this.outlined[set]) view.outline(kind, null);
      this.outlined[set] = [];
      if (!how) return;
      const [pixelKind, windowKind] = set === "pinned" ? ["selected", "window"] : ["hover-pixel", "hover-window"];
      const mark = (view, kind, box) => {
        view.outline(kind, box);
        this.outlined[set].push([view, kind]);
      };
      mark(this.rows[sel.layerIndex].channels[sel.channel], pixelKind, { top: sel.row, left: sel.col, kh: 1, kw: 1 });
      how.windowViews.forEach((view) => mark(view, windowKind, how.window));
    }

    /** The panel for the pinned pixel, right below its layer's row, with the window outlined above. */
    showArithmetic() {
      const sel = this.selection;
      const how = sel && this.state.result ? this.explain(sel) : null;
      this.outlinePixel("pinned", sel, how);
      this.panel.hidden = !how;
      if (!how) return null;
      // The details may scroll; the total and the forward pass's value always show.
      this.panel.replaceChildren(
        el("h4", { text: how.title }),
        el("p", { text: how.intro }),
        el("div", { class: "cnnbook-arithmetic__details" }, how.details()),
        el("p", { class: "cnnbook-arithmetic__total", text: how.total }),
        el("p", {}, ["The forward pass computed ", el("strong", { text: fmt(how.value) }), "."]));
      // For tests: the arithmetic's own result next to the forward pass's.
      this.panel.dataset.sum = String(how.sum);
      this.panel.dataset.value = String(how.value);
      this.rows[sel.layerIndex].element.after(this.panel);
      return how;
    }

    /**
     * The hovered pixel, in a lighter way: its window outlined (the pinned outlines hide meanwhile)
     * and its total in a card laid over the page, so that nothing under the mouse moves.
     */
    showHover() {
      const sel = this.hover;
      const how = sel && this.state.result ? this.explain(sel) : null;
      this.outlinePixel("hover", sel, how);
      this.root.classList.toggle("is-hovering", Boolean(how));
      this.hoverCard.hidden = !how;
      if (!how) return;
      this.hoverCard.replaceChildren(el("strong", { text: how.title }), el("span", { text: how.total }),
                                el("span", { text: `The forward pass computed ${fmt(how.value)}. Click to pin.` }));
      // Just below the hovered canvas, inside the explorer's width.
      const box = this.rows[sel.layerIndex].channels[sel.channel].canvas.getBoundingClientRect();
      const rootBox = this.root.getBoundingClientRect();
      const left = Math.max(0, Math.min(box.left - rootBox.left, rootBox.width - this.hoverCard.offsetWidth));
      Object.assign(this.hoverCard.style, { left: left + "px", top: box.bottom - rootBox.top + 6 + "px" });
    }

    explainConv(entry, sel, source) {
      const weights = this.weights[this.state.variant];
      const a = cnnbook.convArithmetic(this.manifest, weights, this.state.result, sel.layerIndex, sel.row, sel.col, sel.channel);
      const [kh, kw] = entry.layer.kernel_shape;
      const groups = groupByChannel(a.terms);
      const products = groups.reduce((total, g) => total + g.sum, 0);
      const intro = `The ${kh} × ${kw} window outlined on ${entry.input}, times the kernel of channel ${sel.channel}` +
                    (groups.length > 1 ? `, for each of the ${groups.length} input channels:` : ":");
      const range = () => maxAbs(cnnbook.param(weights, entry.layer, "kernel"));
      return { windowViews: source.views, window: a.window, intro, // a conv reads every input channel
               details: () => convGroups(groups, kh, kw, range(), this.maps), total: convTotal(a, products),
               sum: a.activated, value: a.value };
    }

    explainPool(entry, sel, source) {
      const p = cnnbook.poolWindow(this.manifest, this.state.result, sel.layerIndex, sel.row, sel.col, sel.channel);
      const values = p.cells.map((c) => c.value);
      const result = p.op === "max" ? Math.max(...values) : values.reduce((a, b) => a + b, 0) / values.length;
      const winner = p.op === "max" ? values.indexOf(result) : -1;
      const k = p.window.kw;
      const how = p.op === "max" ? "the largest" : "the mean";
      return { windowViews: [source.channels[sel.channel]], window: p.window,
               intro: `The ${k} × ${k} window outlined on ${entry.input}, channel ${sel.channel}:`,
               details: () => [windowTable(values, k, winner)],
               total: `${p.op} pool: ${how} of the ${values.length} values = ${fmt(result)}`, sum: result, value: p.value };
    }

    /** One line for screen readers, in the live region that has been on the page from the start. */
    announce(text) {
      this.announcer.textContent = text;
    }

    announcePrediction() {
      if (this.state.result) this.announce("Prediction: " + this.prediction.textContent);
    }

    // --- Inputs ----------------------------------------------------------------------------------

    drawingChanged() {
      this.exampleSelect.value = "";
      if (this.frame) return; // at most one forward pass per animation frame
      this.frame = requestAnimationFrame(() => {
        this.frame = 0;
        this.attempt(() => {
          const x = mnistInput(this.pad.read(), this.preprocess);
          if (x) this.run(x);
          else this.clearOutputs();
        });
      });
    }

    clearDrawing() {
      this.pad.clear();
      this.exampleSelect.value = "";
      this.clearOutputs();
    }

    /**
     * Run a test image. When the reader chose it (`byReader`), it also goes on the drawing pad, where
     * they may draw over it, and its prediction is announced.
     */
    pickExample(value, byReader = true) {
      const example = this.examples[Number(value)];
      if (value === "" || !example) return;
      this.exampleSelect.value = value;
      if (this.pad && byReader) {
        this.pad.clear();
        this.pad.show(example.x, this.manifest.input.shape[0]);
      }
      this.attempt(() => this.run(example.x));
      if (byReader) this.announcePrediction();
    }

    loadPhoto(file) {
      if (!file) return;
      const url = URL.createObjectURL(file); // a local blob: no request leaves the page
      const image = new Image();
      image.onload = () => {
        URL.revokeObjectURL(url);
        this.exampleSelect.value = "";
        this.attempt(() => this.run(photoInput(image, this.preprocess)));
        this.announcePrediction();
      };
      image.onerror = () => {
        URL.revokeObjectURL(url);
        showError(this.root, new Error(file.name + " is not an image this browser can read"), "Could not use the photo");
      };
      image.src = url;
    }

    attempt(action) {
      try {
        action();
      } catch (error) {
        showError(this.root, error, "The explorer failed");
      }
    }

    setVariant(name) {
      if (!this.weights[name]) throw new Error("no weights named " + name);
      this.state.variant = name;
      if (this.variantSelect) this.variantSelect.value = name;
      if (this.state.input) this.run(this.state.input);
    }

    // --- Running and drawing the network ---------------------------------------------------------

    /** Run the network on x (the input's shape, 0..1) and redraw everything; returns forward()'s result. */
    run(x) {
      const started = performance.now();
      const result = cnnbook.forward(this.manifest, this.weights[this.state.variant], x);
      this.root.dataset.forwardMs = (performance.now() - started).toFixed(2);
      Object.assign(this.state, { result, input: x });
      this.render(result, x);
      clearError(this.root); // an earlier failure is over
      this.root.dataset.ready = "1";
      return result;
    }

    render(result, x) {
      this.inputView.paint(x);
      this.paintPreview(x);
      result.outputs.forEach((entry, i) => this.rows[i].paint(entry.values));
      this.showPrediction(result.probs);
      this.showComparison(x);
      this.showArithmetic();
      if (this.hover) this.showHover();
    }

    paintPreview(x) {
      const [, , c] = this.manifest.input.shape;
      if (c === 3) paintRGB(this.preview.image, x);
      else paintChannel(this.preview.image, x, 0, c, this.maps.greys, ...(this.manifest.input.range || [0, 1]));
      this.preview.show();
    }

    showPrediction(probs) {
      const top = argmax(probs);
      this.prediction.textContent = `${this.manifest.class_names[top]} (${percent(probs[top])})`;
      this.prediction.dataset.class = String(top);
      this.prediction.dataset.probability = String(probs[top]);
      this.bars.forEach((bar, i) => {
        bar.fill.style.width = percent(probs[i]);
        bar.value.textContent = percent(probs[i]);
        bar.element.classList.toggle("is-top", i === top);
      });
    }

    /** With two sets of weights, both predictions: the book's and CNN Explainer's. */
    showComparison(x) {
      if (!this.comparison) return;
      this.comparison.replaceChildren(...Object.keys(this.weights).map((variant) => {
        const probs = variant === this.state.variant ? this.state.result.probs
          : cnnbook.forward(this.manifest, this.weights[variant], x).probs;
        const top = argmax(probs);
        return el("li", {}, [this.variantTitle(variant) + ": ",
                             el("strong", { text: `${this.manifest.class_names[top]} (${percent(probs[top])})` })]);
      }));
    }

    /** An empty drawing: nothing to predict, so every output goes blank. */
    clearOutputs() {
      Object.assign(this.state, { result: null, input: null });
      [this.inputView, ...this.rows].forEach((r) => r.clear());
      this.preview.clear();
      this.prediction.textContent = "—";
      delete this.prediction.dataset.class;
      delete this.prediction.dataset.probability;
      this.bars.forEach((bar) => {
        bar.fill.style.width = "0";
        bar.value.textContent = "";
        bar.element.classList.remove("is-top");
      });
      if (this.comparison) this.comparison.replaceChildren();
      this.showArithmetic();
      this.showHover();
    }
  }

  // --- Mounting --------------------------------------------------------------------------------

  function mount(root) {
    if (root.dataset.mounted) return;
    root.dataset.mounted = "1";
    const name = root.dataset.network;
    Promise.all([cnnbook.loadModel(name, root.dataset.model), colormapsReady()])
      .then(([model, maps]) => {
        const explorer = new Explorer(root, model, maps);
        cnnbook.explorers[name] = explorer.hooks();
        explorer.start();
      })
      .catch((error) => showError(root, error, `Could not start the explorer of ${name}`));
  }

  function mountAll() {
    document.querySelectorAll(".cnnbook-explorer").forEach(mount);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAll);
  else mountAll();
})();
