'use strict';
// The engine's networks rebuilt in TensorFlow.js from the engine's model
// files (architecture JSON + safetensors), NHWC:
//   conv      weight OC×C×KH×KW → filter KH×KW×C×OC (transpose [2,3,1,0]);
//             the engine's symmetric zero padding is TF.js's numeric pad
//             (pad 1 on a 3×3 is 'same' at stride 1; at stride 2 'same'
//             would pad only the bottom/right, so the number is needed)
//   maxpool   tf.maxPool, or with handPool (2×2 windows) a max written
//             with slices and ReLU that nested gradients can go through
//             (stock maxPool has no gradient for MaxPoolGrad)
//   gap       mean over H, W;  flatten: back to CHW order first
//   linear    x·Wᵀ + b (weight O×I)
//   batchnorm inference: running statistics; training: batch moments, ε=1e-5
//   residual  body(x) + shortcut(x)

function makeNet(tf, spec, tensors, prefix, { trainable = false } = {}) {
  const params = {}; // name → tf.Tensor or tf.Variable (TF.js layout)
  const variables = [];
  const take = (name, convert) => {
    const t = tensors[name];
    if (!t) throw new Error(`tfnet: tensor ${name} missing`);
    let v = tf.tidy(() => convert(tf.tensor(t.data, t.shape)));
    const isStat = name.endsWith('running_mean') || name.endsWith('running_var');
    if (trainable && !isStat) {
      const varName = `${prefix}/${name}`;
      const variable = tf.variable(v, true, varName);
      v.dispose();
      v = variable;
      variables.push({ name, variable });
    }
    params[name] = v;
    return v;
  };
  const convW = (t) => tf.transpose(t, [2, 3, 1, 0]);
  const same = (t) => t.clone();

  // Resolve every layer to a closure once.
  function build(layers, path) {
    return layers.map((l, i) => {
      const p = `${path}.${i}.`;
      switch (l.type) {
        case 'conv': {
          const w = take(p + 'weight', convW);
          const b = take(p + 'bias', same);
          const stride = l.stride || 1;
          const pad = l.pad || 0;
          return (x) => tf.add(tf.conv2d(x, w, stride, pad === 0 ? 'valid' : pad), b);
        }
        case 'relu':
          return (x) => tf.relu(x);
        case 'maxpool': {
          const k = l.kernel, s = l.stride || l.kernel;
          return (x, o) => {
            if (o.handPool && k === 2 && s === 2) {
              // max(u, v) = v + relu(u − v) over the four taps of each window:
              // only slices, subtractions and ReLU, whose gradients have
              // gradients (tf.max's goes through Equal, which has none).
              const [n, h, w, c] = x.shape;
              const oh = Math.floor(h / 2), ow = Math.floor(w / 2);
              const xx = oh * 2 === h && ow * 2 === w ? x : tf.slice(x, [0, 0, 0, 0], [n, oh * 2, ow * 2, c]);
              const r = tf.reshape(xx, [n, oh, 2, ow, 2, c]);
              const tap = (i, j) => tf.reshape(tf.slice(r, [0, 0, i, 0, j, 0], [n, oh, 1, ow, 1, c]), [n, oh, ow, c]);
              const max2 = (u, v) => tf.add(v, tf.relu(tf.sub(u, v)));
              return max2(max2(tap(0, 0), tap(0, 1)), max2(tap(1, 0), tap(1, 1)));
            }
            return tf.maxPool(x, k, s, 'valid');
          };
        }
        case 'avgpool': {
          const k = l.kernel, s = l.stride || l.kernel;
          return (x) => tf.avgPool(x, k, s, 'valid');
        }
        case 'gap':
          return (x) => tf.mean(x, [1, 2]);
        case 'flatten':
          return (x) => (x.rank === 4 ? tf.reshape(tf.transpose(x, [0, 3, 1, 2]), [x.shape[0], -1]) : x);
        case 'dropout':
          return (x) => x;
        case 'linear': {
          const w = take(p + 'weight', same);
          const b = take(p + 'bias', same);
          return (x) => {
            const v = x.rank === 2 ? x : tf.reshape(x, [x.shape[0], -1]);
            return tf.add(tf.matMul(v, w, false, true), b);
          };
        }
        case 'batchnorm': {
          const g = take(p + 'weight', same);
          const b = take(p + 'bias', same);
          const rm = take(p + 'running_mean', same);
          const rv = take(p + 'running_var', same);
          return (x, o) => {
            if (o.train) {
              const { mean, variance } = tf.moments(x, [0, 1, 2]);
              return tf.batchNorm(x, mean, variance, b, g, 1e-5);
            }
            return tf.batchNorm(x, rm, rv, b, g, 1e-5);
          };
        }
        case 'residual': {
          const body = build(l.body, p + 'body');
          const sc = build(l.shortcut || [], p + 'shortcut');
          return (x, o) => tf.add(run(body, x, o), run(sc, x, o));
        }
        default:
          throw new Error(`tfnet: layer type ${l.type} not supported`);
      }
    });
  }
  function run(fs, x, o) {
    for (const f of fs) x = f(x, o);
    return x;
  }
  const top = build(spec.layers, 'layers');
  const forward = (x, o = {}) => run(top, x, o);
  return { forward, params, variables, spec };
}

// logSoftmaxHand is z − log Σ exp(z), written out so that nested gradients
// only meet element-wise ops and sums (stock tf.logSoftmax's second-order
// gradient is wrong, see ARCHITECTURE.md). Without the usual max shift: the
// benchmark's logits are small, and TF.js has no stop-gradient to hold a
// shift constant.
function logSoftmaxHand(tf, z) {
  return tf.sub(z, tf.log(tf.sum(tf.exp(z), -1, true)));
}

module.exports = { makeNet, logSoftmaxHand };
