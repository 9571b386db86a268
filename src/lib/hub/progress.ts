/** Download progress: bytes, a rate over the last few seconds, and the time left at that rate. */

export interface DownloadProgress {
	/** The file being downloaded, as the repo names it. */
	file: string;
	/** Bytes received so far, over every file of this download. */
	bytes: number;
	/** Bytes to download in all, as far as known (files already cached are not counted). */
	total: number;
	/** Bytes per second over the last {@link RATE_WINDOW_MS}; 0 until two samples are apart in time. */
	rate: number;
	/** Seconds left at that rate; null while the rate is unknown. */
	eta: number | null;
}

/** A window this long smooths a bursty network without lagging a real slowdown by much. */
export const RATE_WINDOW_MS = 5000;

export class ProgressMeter {
	private readonly samples: { t: number; bytes: number }[] = [];
	bytes = 0;

	constructor(
		public total: number,
		private readonly now: () => number
	) {
		this.samples.push({ t: now(), bytes: 0 });
	}

	/** Counts `received` more bytes of `file` and says where the download stands. */
	advance(file: string, received: number): DownloadProgress {
		this.bytes += received;
		const t = this.now();
		this.samples.push({ t, bytes: this.bytes });
		// Keep one sample older than the window, so the rate spans the whole window.
		while (this.samples.length > 2 && t - this.samples[1].t >= RATE_WINDOW_MS) this.samples.shift();
		const first = this.samples[0];
		const rate = t > first.t ? ((this.bytes - first.bytes) * 1000) / (t - first.t) : 0;
		const left = Math.max(0, this.total - this.bytes);
		return { file, bytes: this.bytes, total: this.total, rate, eta: left === 0 ? 0 : rate > 0 ? left / rate : null };
	}
}

/** Sizes in messages and progress lines: one decimal, binary units. */
export function formatBytes(bytes: number): string {
	const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
	let unit = 0;
	while (bytes >= 1024 && unit < units.length - 1) {
		bytes /= 1024;
		unit++;
	}
	return unit === 0 ? `${bytes} B` : `${bytes.toFixed(1)} ${units[unit]}`;
}

const clock = (seconds: number) => `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, '0')}`;

/** One line, on the command line and in the page: `model.safetensors  42% 113.4 MiB / 270.0 MiB  12.3 MiB/s  0:12 left`. */
export function progressLine({ file, bytes, total, rate, eta }: DownloadProgress): string {
	const percent = total > 0 ? `${Math.floor((100 * bytes) / total)}%`.padStart(4) : '';
	const speed = rate > 0 ? `  ${formatBytes(rate)}/s` : '';
	const left = eta === null ? '' : `  ${clock(eta)} left`;
	return `${file}  ${percent} ${formatBytes(bytes)} / ${formatBytes(total)}${speed}${left}`;
}
