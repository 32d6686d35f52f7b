export { formatDuration } from './duration.js';
export { type Align, fmt, formatTable, ratio, renderTable, type TableOptions } from './table.js';
