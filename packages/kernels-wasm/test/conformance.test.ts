import { describeBackend } from '@tapegrad/autograd/testing';
import { createWasmBackend } from '../src/index.js';

describeBackend('wasm', createWasmBackend);
