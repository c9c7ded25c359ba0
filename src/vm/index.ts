/** QEMU boot test: the public surface of src/vm. */
export { bootTest, removeDeadBootTestDirs, type BootTestRequest, type BootTestResult } from './boot-test.js';
export { probeKvm, type Accel, type KvmVerdict } from './kvm-probe.js';
export { planQemuArgs, type QemuPlan } from './qemu-args.js';
