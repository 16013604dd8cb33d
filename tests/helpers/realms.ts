// Jest runs each test file in its own vm realm, but loads onnxruntime-node's native addon in the
// outer realm, so scores come back as outer-realm Float32Arrays and fail onnxruntime-common's
// `instanceof Float32Array` check inside session.run. Plain Node has a single realm and needs none
// of this; under jest, Float32Array recognises arrays from both realms.
Object.defineProperty(Float32Array, Symbol.hasInstance, {
  value: (x: unknown) => Object.prototype.toString.call(x) === '[object Float32Array]',
});
