// Jest runs global setup outside its transform pipeline's module mapper, so TypeScript is loaded through tsx here.
import { register } from 'tsx/esm/api';

register();
const { default: setup } = await import('./global-setup.impl.ts');
export default setup;
