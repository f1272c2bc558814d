/* cnnbook: the convolution sandbox, after CNN Explainer's hyperparameter view.
 *
 * Four sliders (input size n, kernel size k, padding p, stride s) set a convolution; the sandbox
 * draws the padded input, the kernel at one of its positions, the output, and the output size
 * formula ⌊(n + 2p − k) / s⌋ + 1 with the numbers in, computed by forward.js's cnnbook.outputSize.
 * A classic script, so the page works opened from disk (file://).
 */
(function () {
  "use strict";
  const cnnbook = (window.cnnbook = window.cnnbook || {});

  const STEP_MS = 700; // how long "Play" rests on each kernel position
  const GRID_PX = 300; // a grid's width at most, in CSS pixels

  /** An element with attributes (`text` sets its text) and children (null and undefined ones skipped). */
  function el(tag, attributes = {}, children = []) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attributes)) {
      if (key === "text") node.textContent = value;
      else node.setAttribute(key, value);
    }
    for (const child of [].concat(children)) if (child !== null && child !== undefined) node.append(child);
    return node;
  }

  /** A labelled range input with its value shown beside it. */
  function slider(label, min, max, value, onInput) {
    const input = el("input", { type: "range", min, max, value, step: 1 });
    const output = el("output", { text: String(value) });
    input.addEventListener("input", onInput);
    return { element: el("label", { class: "cnnbook-sandbox__slider" }, [el("span", { text: label }), input, output]),
             input, output };
  }

  function button(text, onClick) {
    const node = el("button", { type: "button", class: "md-button", text });
    node.addEventListener("click", onClick);
    return node;
  }

  /** Fill `grid` with side × side cells, each given the classes `classesOf(row, col)` returns. */
  function fillGrid(grid, side, classesOf) {
    grid.style.setProperty("--cells", side);
    grid.style.setProperty("--cell", Math.max(8, Math.min(24, Math.floor(GRID_PX / side))) + "px");
    const cells = [];
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) cells.push(el("span", { class: ["cnnbook-sandbox__cell", ...classesOf(y, x)].filter(Boolean).join(" ") }));
    }
    grid.replaceChildren(...cells);
    return cells;
  }

  class Sandbox {
    constructor(root) {
      const update = () => this.update();
      this.sliders = {
        n: slider("Input size n", 5, 12, 7, update),
        k: slider("Kernel size k", 1, 12, 3, update),
        p: slider("Padding p", 0, 2, 1, update),
        s: slider("Stride s", 1, 4, 2, update),
      };
      this.position = 0;
      this.timer = 0;
      this.positionSlider = slider("Kernel position", 0, 0, 0, () => this.moveTo(Number(this.positionSlider.input.value)));
      this.playButton = button("Play", () => this.togglePlay());
      this.playButton.setAttribute("aria-pressed", "false");
      this.size = el("strong", { class: "cnnbook-sandbox-size" });
      this.formula = el("p", { class: "cnnbook-sandbox__formula", "aria-live": "polite" });
      this.notes = el("div", { class: "cnnbook-sandbox__notes", "aria-live": "polite" });
      this.inputGrid = el("div", { class: "cnnbook-sandbox__grid", "aria-hidden": "true" });
      this.outputGrid = el("div", { class: "cnnbook-sandbox__grid cnnbook-sandbox__grid--output", "aria-hidden": "true" });
      this.inputCaption = el("figcaption");
      this.outputCaption = el("figcaption");
      this.outputGrid.addEventListener("click", (event) => this.clickOutput(event));
      root.append(
        el("div", { class: "cnnbook-sandbox__controls" }, Object.values(this.sliders).map((s) => s.element)),
        this.formula, this.notes,
        el("div", { class: "cnnbook-sandbox__controls" },
           [this.positionSlider.element, button("Step", () => this.step()), this.playButton]),
        el("div", { class: "cnnbook-sandbox__grids" }, [
          el("figure", {}, [this.inputGrid, this.inputCaption]),
          el("figure", {}, [this.outputGrid, this.outputCaption]),
        ]),
      );
      this.update();
    }

    /** The sliders' values, kept valid: p < k, and the kernel no larger than the padded input. */
    settings() {
      const value = (name) => Number(this.sliders[name].input.value);
      const n = value("n"), s = value("s");
      let k = value("k");
      const p = Math.min(value("p"), k - 1); // more padding than k − 1 adds positions that read only zeros
      const notes = [];
      if (k > n + 2 * p) {
        notes.push(`A ${k} × ${k} kernel does not fit in the ${n + 2 * p} × ${n + 2 * p} padded input: ` +
                   `k is clamped to n + 2p = ${n + 2 * p}.`);
        k = n + 2 * p;
      }
      return { n, k, p, s, notes };
    }

    setSlider(name, value, max) {
      const { input, output } = this.sliders[name];
      if (max !== undefined) input.max = String(max);
      input.value = String(value);
      output.textContent = String(value);
    }

    update() {
      const { n, k, p, s, notes } = this.settings();
      this.setSlider("n", n);
      this.setSlider("k", k);
      this.setSlider("p", p, k - 1);
      this.setSlider("s", s);
      const m = cnnbook.outputSize(n, k, p, s);
      const span = n + 2 * p - k;
      const left = span % s; // rows (and columns) past the last position of the kernel
      this.params = { n, k, p, s, m, left };
      if (left) {
        notes.push(`n + 2p − k = ${span} is not a multiple of s = ${s}: the last ${left} ` +
                   `${left === 1 ? "row and column" : "rows and columns"} of the padded input ` +
                   `${left === 1 ? "is" : "are"} never covered by the kernel (hatched), and the floor drops them.`);
      }
      this.showFormula(span);
      this.notes.replaceChildren(...notes.map((text) => el("p", { text })));
      this.drawGrids();
      this.moveTo(Math.min(this.position, m * m - 1));
    }

    showFormula(span) {
      const { n, k, p, s, m } = this.params;
      this.size.textContent = String(m);
      this.size.dataset.size = String(m);
      this.formula.replaceChildren(
        "Output size: ⌊(n + 2p − k) / s⌋ + 1 = ",
        `⌊(${n} + 2·${p} − ${k}) / ${s}⌋ + 1 = ⌊${span} / ${s}⌋ + 1 = `,
        this.size, `: the output is ${m} × ${m}.`);
    }

    drawGrids() {
      const { n, k, p, s, m, left } = this.params;
      const side = n + 2 * p;
      this.inputCells = fillGrid(this.inputGrid, side, (y, x) => [
        y < p || x < p || y >= p + n || x >= p + n ? "is-padding" : "",
        y >= side - left || x >= side - left ? "is-uncovered" : "",
      ]);
      this.outputCells = fillGrid(this.outputGrid, m, () => []);
      this.inputCaption.textContent = `Input: ${n} × ${n}` + (p ? `, padded with ${p} to ${side} × ${side} (padding dashed)` : "") +
                                      `; a ${k} × ${k} kernel moving by ${s}`;
      this.outputCaption.textContent = `Output: ${m} × ${m}`;
    }

    /** Put the kernel at output position `position` (row-major) and mark what it reads. */
    moveTo(position) {
      const { k, s, m, p, n } = this.params;
      this.position = position;
      const row = Math.floor(position / m), col = position % m;
      const side = n + 2 * p;
      this.inputCells.forEach((cell, i) => {
        const y = Math.floor(i / side), x = i % side;
        cell.classList.toggle("is-window", y >= row * s && y < row * s + k && x >= col * s && x < col * s + k);
      });
      this.outputCells.forEach((cell, i) => cell.classList.toggle("is-current", i === position));
      const { input, output } = this.positionSlider;
      input.max = String(m * m - 1);
      input.value = String(position);
      output.textContent = `row ${row}, column ${col}`;
    }

    clickOutput(event) {
      const index = this.outputCells.indexOf(event.target);
      if (index >= 0) this.moveTo(index);
    }

    step() {
      const { m } = this.params;
      this.moveTo((this.position + 1) % (m * m));
    }

    togglePlay() {
      const playing = !this.timer;
      if (playing) this.timer = setInterval(() => this.step(), STEP_MS);
      else {
        clearInterval(this.timer);
        this.timer = 0;
      }
      this.playButton.textContent = playing ? "Pause" : "Play";
      this.playButton.setAttribute("aria-pressed", String(playing));
    }
  }

  function mountAll() {
    document.querySelectorAll(".cnnbook-sandbox").forEach((root) => {
      if (root.dataset.mounted) return;
      root.dataset.mounted = "1";
      try {
        new Sandbox(root);
      } catch (error) {
        console.error(error);
        root.append(el("p", { class: "cnnbook-explorer__error", role: "alert", text: "The sandbox failed: " + error.message }));
      }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mountAll);
  else mountAll();
})();
