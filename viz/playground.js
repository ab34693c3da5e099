// The training playground's views, drawn on canvas from one "frame" sent by the kernel
// (viz/playground_widget.py builds it from PlaygroundState.snapshot()):
//   the network (a heat map per neuron, its output over the input plane, joined by lines whose
//   width is a weight's size, or its gradient's, and whose colour is its sign), the decision
//   boundary with the train and test points, and the loss and accuracy curves.
// A new frame is drawn once, in the next animation frame, over the old picture: no flicker.
// Clicks on the plane go back to the kernel as messages: {kind: "pick", index} on a point,
// {kind: "add", x0, x1} on empty space, {kind: "remove", x0, x1} with shift.
// For tests and for measuring, the root element carries data-redraws (pictures drawn so far),
// data-step, data-points, data-selected, data-loss, and functions sgPoints() (the points
// drawn: [x0, x1, label, 1 if test]) and sgToPixel(x0, x1) -> [x, y] on the plane.

const POSITIVE = [37, 99, 235]; // #2563eb, as viz/plots.py
const NEGATIVE = [220, 38, 38]; // #dc2626
const CLASSES = [
  [220, 38, 38], [37, 99, 235], [22, 163, 74], [217, 119, 6], [124, 58, 237], [8, 145, 178],
]; // CLASS_COLOURS of viz/plots.py
const SELECTED = "#ea580c";
const TRAIN_LINE = "#1d4ed8";
const TEST_LINE = "#ea580c";
const PLANE = 340; // CSS pixels of the decision plane (square)
const PICK_RADIUS = 7; // CSS pixels: a click this close to a point picks it
const CURVE = [395, 130]; // CSS pixels of each curve (loss, accuracy), side by side

const STYLE = `
.sg-pg { font: 12px/1.35 system-ui, sans-serif; color: var(--jp-ui-font-color1, #111827); }
.sg-pg-views, .sg-pg-curves { display: flex; flex-wrap: wrap; gap: 14px; align-items: flex-start; }
.sg-pg-curves { margin-top: 8px; }
.sg-pg-panel { display: flex; flex-direction: column; gap: 3px; }
.sg-pg-title { font-weight: 600; }
.sg-pg-hint { color: var(--jp-ui-font-color2, #4b5563); max-width: ${PLANE}px; }
.sg-pg canvas { display: block; background: #fff; border: 1px solid #e5e7eb; }
.sg-pg-plane { cursor: crosshair; }
.sg-pg-caption {
  color: var(--jp-ui-font-color2, #374151); min-height: 1.35em; font-variant-numeric: tabular-nums;
}
`;

function floats(view) {
  // a float32 buffer from the kernel (a DataView, or bytes when restored from saved state)
  if (view == null) return new Float32Array(0);
  if (view instanceof Float32Array) return view;
  if (view instanceof DataView || ArrayBuffer.isView(view)) {
    const copy = view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength);
    return new Float32Array(copy);
  }
  if (view instanceof ArrayBuffer) return new Float32Array(view.slice(0));
  if (Array.isArray(view)) return Float32Array.from(view);
  return new Float32Array(0);
}

function mix(colour, t) {
  // white blended toward colour by t in [0, 1]
  const u = Math.max(0, Math.min(1, t));
  return [255 + (colour[0] - 255) * u, 255 + (colour[1] - 255) * u, 255 + (colour[2] - 255) * u];
}

function signed(v) {
  // v in [-1, 1] -> red (negative) .. white .. blue (positive)
  return v >= 0 ? mix(POSITIVE, v) : mix(NEGATIVE, -v);
}

function canvas(parent, width, height, cls) {
  const c = document.createElement("canvas");
  if (cls) c.className = cls;
  parent.appendChild(c);
  size(c, width, height);
  return c;
}

function size(c, width, height) {
  const ratio = window.devicePixelRatio || 1;
  if (c._w !== width || c._h !== height || c._r !== ratio) {
    c.width = Math.round(width * ratio);
    c.height = Math.round(height * ratio);
    c.style.width = `${width}px`;
    c.style.height = `${height}px`;
    c._w = width;
    c._h = height;
    c._r = ratio;
  }
  const ctx = c.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  return ctx;
}

function panel(parent, title, hint) {
  const box = document.createElement("div");
  box.className = "sg-pg-panel";
  const head = document.createElement("div");
  head.className = "sg-pg-title";
  head.textContent = title;
  box.appendChild(head);
  if (hint) {
    const h = document.createElement("div");
    h.className = "sg-pg-hint";
    h.textContent = hint;
    box.appendChild(h);
  }
  parent.appendChild(box);
  return box;
}

// ---- pictures of a grid over the plane -------------------------------------------------------

const scratch = document.createElement("canvas");

function paintGrid(ctx, colours, res, x, y, w, h) {
  // colours: Uint8ClampedArray(res * res * 4), row 0 = the bottom of the plane
  if (scratch.width !== res || scratch.height !== res) {
    scratch.width = res;
    scratch.height = res;
  }
  const sctx = scratch.getContext("2d");
  const image = sctx.createImageData(res, res);
  for (let i = 0; i < res; i++) {
    const from = i * res * 4;
    const to = (res - 1 - i) * res * 4; // flip: canvas rows go down, x1 goes up
    image.data.set(colours.subarray(from, from + res * 4), to);
  }
  sctx.putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(scratch, x, y, w, h);
}

function neuronColours(values, offset, res) {
  // one neuron's grid, scaled by its own largest |value| (its shape, not its size)
  let top = 1e-9;
  for (let k = 0; k < res * res; k++) top = Math.max(top, Math.abs(values[offset + k]));
  const out = new Uint8ClampedArray(res * res * 4);
  for (let k = 0; k < res * res; k++) {
    const c = signed(values[offset + k] / top);
    out[4 * k] = c[0];
    out[4 * k + 1] = c[1];
    out[4 * k + 2] = c[2];
    out[4 * k + 3] = 255;
  }
  return out;
}

function outputColours(frame, values, res, strength) {
  // the model's output: one score (boundary at the threshold) or one score per class
  const k = frame.outputs;
  const out = new Uint8ClampedArray(res * res * 4);
  for (let p = 0; p < res * res; p++) {
    let c;
    if (k === 1) {
      const s = values[p] - frame.threshold;
      const t = Math.tanh(frame.threshold === 0.5 ? 4 * s : s); // probabilities: 0..1
      c = t >= 0 ? mix(CLASSES[1], strength * t) : mix(CLASSES[0], -strength * t);
    } else {
      let best = 0;
      let top = -Infinity;
      for (let j = 0; j < k; j++) {
        if (values[p * k + j] > top) {
          top = values[p * k + j];
          best = j;
        }
      }
      let sum = 0;
      for (let j = 0; j < k; j++) sum += Math.exp(values[p * k + j] - top);
      const confidence = (1 / sum - 1 / k) / (1 - 1 / k); // softmax of the winner, 0..1
      c = mix(CLASSES[best % CLASSES.length], strength * (0.25 + 0.75 * confidence));
    }
    out[4 * p] = c[0];
    out[4 * p + 1] = c[1];
    out[4 * p + 2] = c[2];
    out[4 * p + 3] = 255;
  }
  return out;
}

function contour(ctx, field, res, x, y, w, h) {
  // the line field = 0 (marching squares, linear along each cell edge)
  const px = (j) => x + (j / (res - 1)) * w;
  const py = (i) => y + h - (i / (res - 1)) * h;
  ctx.beginPath();
  for (let i = 0; i < res - 1; i++) {
    for (let j = 0; j < res - 1; j++) {
      const a = field(i, j);
      const b = field(i, j + 1);
      const c = field(i + 1, j + 1);
      const d = field(i + 1, j);
      const cut = [];
      if (a > 0 !== b > 0) cut.push([px(j + a / (a - b)), py(i)]);
      if (b > 0 !== c > 0) cut.push([px(j + 1), py(i + b / (b - c))]);
      if (c > 0 !== d > 0) cut.push([px(j + 1 - c / (c - d)), py(i + 1)]);
      if (d > 0 !== a > 0) cut.push([px(j), py(i + 1 - d / (d - a))]);
      for (let n = 0; n + 1 < cut.length; n += 2) {
        ctx.moveTo(cut[n][0], cut[n][1]);
        ctx.lineTo(cut[n + 1][0], cut[n + 1][1]);
      }
    }
  }
  ctx.stroke();
}

// ---- the views ------------------------------------------------------------------------------

function networkLayout(sizes) {
  const tallest = Math.max(...sizes);
  const cell = Math.max(16, Math.min(40, Math.floor(330 / tallest) - 8));
  const gap = Math.max(4, Math.round(cell / 4));
  const columnGap = Math.max(70, Math.min(120, Math.floor(520 / sizes.length)));
  const width = 30 + (sizes.length - 1) * columnGap + cell + 30;
  const height = 26 + tallest * (cell + gap) + 10;
  const columns = sizes.map((n, l) => {
    const x = 30 + l * columnGap;
    const top = 26 + ((tallest - n) * (cell + gap)) / 2;
    return Array.from({ length: n }, (_, i) => [x, top + i * (cell + gap)]);
  });
  return { cell, width, height, columns };
}

function drawNetwork(view, frame) {
  const sizes = frame.sizes;
  const L = networkLayout(sizes);
  view.layout = L;
  const ctx = size(view.canvas, L.width, L.height);
  const mode = frame.show === "grads" ? "grads" : "weights";
  const layers = frame[mode] || [];
  let top = 1e-12;
  for (const layer of layers) for (const neuron of layer) {
    for (let k = 0; k < neuron.length - 1; k++) top = Math.max(top, Math.abs(neuron[k]));
  }
  // lines first, under the neurons: one per weight, width = |w| / largest |w|, colour = sign
  ctx.globalAlpha = 0.75;
  ctx.lineCap = "round";
  for (let l = 0; l < layers.length; l++) {
    layers[l].forEach((neuron, j) => {
      const [tx, ty] = L.columns[l + 1][j];
      for (let i = 0; i < neuron.length - 1; i++) {
        const [fx, fy] = L.columns[l][i];
        const w = neuron[i];
        ctx.strokeStyle = w >= 0 ? "rgb(37,99,235)" : "rgb(220,38,38)";
        ctx.lineWidth = 0.4 + 5 * (Math.abs(w) / top);
        ctx.beginPath();
        ctx.moveTo(fx + L.cell, fy + L.cell / 2);
        ctx.lineTo(tx, ty + L.cell / 2);
        ctx.stroke();
      }
    });
  }
  ctx.globalAlpha = 1;
  // the neurons: inputs x0, x1 (their own value over the plane), hidden maps, the output
  const [x0a, x0b, x1a, x1b] = frame.bounds;
  const nres = frame.nres;
  const hidden = floats(frame.neurons);
  const res = frame.res;
  const output = floats(frame.output);
  let offset = 0;
  sizes.forEach((n, l) => {
    for (let i = 0; i < n; i++) {
      const [x, y] = L.columns[l][i];
      let colours;
      let r = nres;
      if (l === 0) {
        r = 16;
        const values = new Float32Array(r * r);
        const far = Math.max(Math.abs(i === 0 ? x0a : x1a), Math.abs(i === 0 ? x0b : x1b), 1e-9);
        for (let a = 0; a < r; a++) for (let b = 0; b < r; b++) {
          const v = i === 0 ? x0a + ((x0b - x0a) * b) / (r - 1) : x1a + ((x1b - x1a) * a) / (r - 1);
          values[a * r + b] = v / far;
        }
        colours = neuronColours(values, 0, r);
      } else if (l === sizes.length - 1) {
        r = res;
        colours = outputColours(frame, output, res, 0.9);
        if (frame.outputs > 1) { // one square per class: that class's own score
          const own = new Float32Array(res * res);
          for (let p = 0; p < res * res; p++) own[p] = output[p * frame.outputs + i];
          let mean = 0;
          for (const v of own) mean += v / own.length;
          for (let p = 0; p < own.length; p++) own[p] -= mean;
          colours = neuronColours(own, 0, res);
        }
      } else {
        colours = neuronColours(hidden, offset, nres);
        offset += nres * nres;
      }
      paintGrid(ctx, colours, r, x, y, L.cell, L.cell);
      ctx.strokeStyle = "#374151";
      ctx.lineWidth = 1;
      ctx.strokeRect(x + 0.5, y + 0.5, L.cell - 1, L.cell - 1);
    }
  });
  ctx.fillStyle = "#374151";
  ctx.font = "11px system-ui, sans-serif";
  ctx.textAlign = "center";
  sizes.forEach((n, l) => {
    const x = L.columns[l][0][0] + L.cell / 2;
    const name = l === 0 ? "input" : l === sizes.length - 1 ? "output" : `hidden ${l}`;
    ctx.fillText(name, x, 14);
  });
  ctx.textAlign = "left";
}

function drawPlane(view, frame) {
  const ctx = size(view.canvas, PLANE, PLANE);
  const res = frame.res;
  const output = floats(frame.output);
  paintGrid(ctx, outputColours(frame, output, res, 0.55), res, 0, 0, PLANE, PLANE);
  ctx.strokeStyle = "#111827";
  ctx.lineWidth = 1.6;
  if (frame.outputs === 1) {
    contour(ctx, (i, j) => output[i * res + j] - frame.threshold, res, 0, 0, PLANE, PLANE);
  } else {
    const k = frame.outputs;
    for (let c = 0; c < k; c++) {
      const margin = (i, j) => {
        const p = (i * res + j) * k;
        let other = -Infinity;
        for (let q = 0; q < k; q++) if (q !== c) other = Math.max(other, output[p + q]);
        return output[p + c] - other;
      };
      contour(ctx, margin, res, 0, 0, PLANE, PLANE);
    }
  }
  const points = frame.points;
  const toPixel = view.toPixel;
  for (const test of [0, 1]) { // test points on top, ringed in black
    for (const p of points) {
      if (p[3] !== test) continue;
      const [x, y] = toPixel(p[0], p[1]);
      const c = CLASSES[((frame.outputs === 1 && p[2] > 0) ? 1 : Math.max(0, p[2])) % CLASSES.length];
      ctx.beginPath();
      ctx.arc(x, y, 4, 0, 2 * Math.PI);
      ctx.fillStyle = `rgb(${c[0]},${c[1]},${c[2]})`;
      ctx.fill();
      ctx.lineWidth = test ? 1.8 : 1;
      ctx.strokeStyle = test ? "#111827" : "#ffffff";
      ctx.stroke();
    }
  }
  if (frame.selected >= 0 && frame.selected < points.length) {
    const p = points[frame.selected];
    const [x, y] = toPixel(p[0], p[1]);
    ctx.beginPath();
    ctx.arc(x, y, 8.5, 0, 2 * Math.PI);
    ctx.lineWidth = 2.5;
    ctx.strokeStyle = SELECTED;
    ctx.stroke();
  }
  const [x0a, x0b, x1a, x1b] = frame.bounds;
  ctx.fillStyle = "#374151";
  ctx.font = "10px system-ui, sans-serif";
  ctx.fillText(`x0 ${x0a.toFixed(1)}..${x0b.toFixed(1)}`, 4, PLANE - 4);
  ctx.save();
  ctx.translate(PLANE - 4, PLANE - 4);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText(`x1 ${x1a.toFixed(1)}..${x1b.toFixed(1)}`, 0, 0);
  ctx.restore();
}

function drawCurve(view, title, series, percent) {
  const [width, height] = CURVE;
  const ctx = size(view.canvas, width, height);
  const [steps, train, test] = series;
  const left = 42;
  const right = width - 8;
  const top = 20;
  const bottom = height - 18;
  let low = 0;
  let high = percent ? 100 : 1e-12;
  if (!percent) for (const s of [train, test]) for (const v of s) if (Number.isFinite(v)) high = Math.max(high, v);
  const last = steps.length ? steps[steps.length - 1] : 0;
  const first = steps.length ? steps[0] : 0;
  const span = Math.max(1, last - first);
  const X = (s) => left + ((s - first) / span) * (right - left);
  const Y = (v) => bottom - ((v - low) / (high - low || 1)) * (bottom - top);
  ctx.strokeStyle = "#e5e7eb";
  ctx.lineWidth = 1;
  ctx.fillStyle = "#6b7280";
  ctx.font = "10px system-ui, sans-serif";
  for (let g = 0; g <= 4; g++) {
    const v = low + ((high - low) * g) / 4;
    ctx.beginPath();
    ctx.moveTo(left, Y(v));
    ctx.lineTo(right, Y(v));
    ctx.stroke();
    ctx.fillText(percent ? `${v.toFixed(0)}%` : v.toPrecision(2), 2, Y(v) + 3);
  }
  ctx.fillText(`step ${last}`, right - 50, height - 4);
  const line = (values, colour, dash) => {
    ctx.strokeStyle = colour;
    ctx.lineWidth = 1.6;
    ctx.setLineDash(dash);
    ctx.beginPath();
    let started = false;
    for (let k = 0; k < values.length; k++) {
      if (!Number.isFinite(values[k])) continue;
      const x = X(steps[k]);
      const y = Y(values[k]);
      if (started) ctx.lineTo(x, y); else ctx.moveTo(x, y);
      started = true;
    }
    ctx.stroke();
    ctx.setLineDash([]);
  };
  line(train, TRAIN_LINE, []);
  line(test, TEST_LINE, [5, 3]);
  const fmt = (values) => {
    const v = values.length ? values[values.length - 1] : NaN;
    if (!Number.isFinite(v)) return "-";
    return percent ? `${v.toFixed(1)}%` : v.toPrecision(3);
  };
  ctx.font = "11px system-ui, sans-serif";
  ctx.fillStyle = "#111827";
  ctx.fillText(title, left, 12);
  ctx.fillStyle = TRAIN_LINE;
  ctx.fillText(`train ${fmt(train)}`, left + 70, 12);
  ctx.fillStyle = TEST_LINE;
  ctx.fillText(`test ${fmt(test)}`, left + 160, 12);
}

function render({ model, el }) {
  const style = document.createElement("style");
  style.textContent = STYLE;
  const root = document.createElement("div");
  root.className = "sg-pg";
  root.dataset.redraws = "0";
  el.appendChild(style);
  el.appendChild(root);
  const views = document.createElement("div");
  views.className = "sg-pg-views";
  root.appendChild(views);

  const netPanel = panel(views, "network", " ");
  const netHint = netPanel.querySelector(".sg-pg-hint");
  const net = { canvas: canvas(netPanel, 300, 300, "sg-pg-net") };
  const netCaption = document.createElement("div");
  netCaption.className = "sg-pg-caption";
  netPanel.appendChild(netCaption);

  const planePanel = panel(views, "decision boundary", "");
  const planeHint = planePanel.querySelector(".sg-pg-title");
  const hint = document.createElement("div");
  hint.className = "sg-pg-hint";
  planePanel.appendChild(hint);
  const plane = { canvas: canvas(planePanel, PLANE, PLANE, "sg-pg-plane") };
  const planeCaption = document.createElement("div");
  planeCaption.className = "sg-pg-caption";
  planePanel.appendChild(planeCaption);

  const curvePanel = panel(root, "training: solid lines the training points, dashed the test points", "");
  const curves = document.createElement("div");
  curves.className = "sg-pg-curves";
  curvePanel.appendChild(curves);
  const loss = { canvas: canvas(curves, CURVE[0], CURVE[1], "sg-pg-loss") };
  const acc = { canvas: canvas(curves, CURVE[0], CURVE[1], "sg-pg-acc") };
  const status = document.createElement("div");
  status.className = "sg-pg-caption";
  curvePanel.appendChild(status);

  let frame = null;
  let pending = 0;

  function mapping(f) {
    const [x0a, x0b, x1a, x1b] = f.bounds;
    plane.toPixel = (x0, x1) => [
      ((x0 - x0a) / (x0b - x0a)) * PLANE,
      PLANE - ((x1 - x1a) / (x1b - x1a)) * PLANE,
    ];
    plane.toData = (x, y) => [
      x0a + (x / PLANE) * (x0b - x0a),
      x1a + ((PLANE - y) / PLANE) * (x1b - x1a),
    ];
  }

  function draw() {
    pending = 0;
    frame = model.get("frame");
    if (!frame || !frame.sizes) return;
    frame.show = model.get("show");
    mapping(frame);
    drawNetwork(net, frame);
    drawPlane(plane, frame);
    const h = frame.history;
    const steps = floats(h.steps);
    drawCurve(loss, "loss", [steps, floats(h.train_loss), floats(h.test_loss)], false);
    if (h.has_accuracy) {
      acc.canvas.style.display = "block";
      drawCurve(acc, "accuracy", [steps, floats(h.train_acc), floats(h.test_acc)], true);
    } else {
      acc.canvas.style.display = "none";
    }
    planeHint.textContent = `decision boundary at step ${frame.step}`;
    netHint.textContent =
      "each square: a neuron's output over the plane (blue +, red -); lines: " +
      (frame.show === "grads"
        ? "the gradient of the loss for each weight, at the last step (width = size, colour = sign)"
        : "the weights (width = size, colour = sign)");
    hint.textContent =
      `click a point: step through its loss; click elsewhere: add a point of class ${frame.add_label}; ` +
      "shift-click: remove the nearest point. Filled: train, ringed in black: test.";
    const last = (v) => (v.length ? v[v.length - 1] : NaN);
    const trainLoss = last(floats(h.train_loss));
    const testLoss = last(floats(h.test_loss));
    planeCaption.textContent =
      `${frame.points.length} points` +
      (frame.selected >= 0 ? `, example ${frame.selected} ringed` : "");
    status.textContent = Number.isFinite(trainLoss)
      ? `step ${frame.step}: train loss ${trainLoss.toPrecision(3)}, test loss ${
          Number.isFinite(testLoss) ? testLoss.toPrecision(3) : "-"}`
      : `step ${frame.step}: not trained yet`;
    root.dataset.step = String(frame.step);
    root.dataset.points = String(frame.points.length);
    root.dataset.selected = String(frame.selected);
    root.dataset.loss = Number.isFinite(trainLoss) ? String(trainLoss) : "";
    root.dataset.redraws = String(Number(root.dataset.redraws) + 1);
  }

  function schedule() {
    // at most one picture per animation frame, whatever the number of messages
    if (!pending) pending = requestAnimationFrame(draw);
  }

  root.sgToPixel = (x0, x1) => (plane.toPixel ? plane.toPixel(x0, x1) : null);
  root.sgPoints = () => (frame ? frame.points : []);

  function nearest(x, y) {
    let best = -1;
    let distance = Infinity;
    frame.points.forEach((p, k) => {
      const [px, py] = plane.toPixel(p[0], p[1]);
      const d = Math.hypot(px - x, py - y);
      if (d < distance) {
        distance = d;
        best = k;
      }
    });
    return [best, distance];
  }

  function where(event) {
    // CSS pixels from the picture's top left corner (offsetX: inside the border)
    const c = plane.canvas;
    return [(event.offsetX / c.clientWidth) * PLANE, (event.offsetY / c.clientHeight) * PLANE];
  }

  function onClick(event) {
    if (!frame || !plane.toData) return;
    const [x, y] = where(event);
    const [x0, x1] = plane.toData(x, y);
    if (event.shiftKey) {
      model.send({ kind: "remove", x0, x1 });
      return;
    }
    const [index, distance] = nearest(x, y);
    if (index >= 0 && distance <= PICK_RADIUS) model.send({ kind: "pick", index });
    else model.send({ kind: "add", x0, x1 });
  }

  function onMove(event) {
    if (!frame || !plane.toData) return;
    const [x, y] = where(event);
    const [index, distance] = nearest(x, y);
    const [x0, x1] = plane.toData(x, y);
    if (index >= 0 && distance <= PICK_RADIUS) {
      const p = frame.points[index];
      plane.canvas.style.cursor = "pointer";
      planeCaption.textContent =
        `example ${index}: x = (${p[0].toFixed(3)}, ${p[1].toFixed(3)}), class ${p[2]}, ` +
        (p[3] ? "test" : "train");
    } else {
      plane.canvas.style.cursor = "crosshair";
      planeCaption.textContent = `(${x0.toFixed(2)}, ${x1.toFixed(2)})`;
    }
  }

  function onNetMove(event) {
    if (!frame || !net.layout) return;
    const x = event.offsetX;
    const y = event.offsetY;
    const L = net.layout;
    let text = "";
    L.columns.forEach((column, l) => column.forEach(([cx, cy], i) => {
      if (x < cx || x > cx + L.cell || y < cy || y > cy + L.cell) return;
      if (l === 0) {
        text = `input x${i}`;
        return;
      }
      const neuron = (frame.weights[l - 1] || [])[i] || [];
      const grad = (frame.grads[l - 1] || [])[i] || [];
      const b = neuron[neuron.length - 1];
      const g = grad[grad.length - 1];
      text = `layers.${l - 1}.neurons.${i}: bias ${Number(b).toPrecision(3)}` +
        (Number.isFinite(g) ? `, its gradient ${Number(g).toPrecision(3)}` : "");
    }));
    netCaption.textContent = text;
  }

  plane.canvas.addEventListener("click", onClick);
  plane.canvas.addEventListener("mousemove", onMove);
  net.canvas.addEventListener("mousemove", onNetMove);
  model.on("change:frame", schedule);
  model.on("change:show", schedule);
  draw(); // the first picture at once (also when restored without a kernel)

  return () => {
    if (pending) cancelAnimationFrame(pending);
    model.off("change:frame", schedule);
    model.off("change:show", schedule);
  };
}

export default { render };
