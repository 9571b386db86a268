/** Saves a blob as a file the browser downloads. */
export function downloadBlob(name: string, blob: Blob): void {
	const url = URL.createObjectURL(blob);
	const a = document.createElement('a');
	a.href = url;
	a.download = name;
	a.click();
	URL.revokeObjectURL(url);
}

/** A standalone SVG file of an inline chart. */
export function svgFile(svg: SVGElement): Blob {
	const clone = svg.cloneNode(true) as SVGElement;
	clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
	return new Blob([clone.outerHTML], { type: 'image/svg+xml' });
}

/** A PNG of an inline SVG chart, drawn at `scale`× on a white background. */
export async function svgToPng(svg: SVGElement, scale = 2): Promise<Blob> {
	const { width, height } = svg.getBoundingClientRect();
	const url = URL.createObjectURL(svgFile(svg));
	try {
		const image = new Image();
		image.src = url;
		await image.decode();
		const canvas = document.createElement('canvas');
		canvas.width = Math.round(width * scale);
		canvas.height = Math.round(height * scale);
		const ctx = canvas.getContext('2d')!;
		ctx.fillStyle = 'white';
		ctx.fillRect(0, 0, canvas.width, canvas.height);
		ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
		return await new Promise((resolve, reject) => canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('The chart could not be drawn as PNG.'))), 'image/png'));
	} finally {
		URL.revokeObjectURL(url);
	}
}

/** An SVG file wrapping a canvas (the heatmap is a raster), pixels kept crisp. */
export function canvasToSvg(canvas: HTMLCanvasElement, title: string): Blob {
	const { width, height } = canvas;
	const body = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><title>${title.replace(/[<&]/g, '')}</title><image width="${width}" height="${height}" style="image-rendering:pixelated" href="${canvas.toDataURL('image/png')}"/></svg>`;
	return new Blob([body], { type: 'image/svg+xml' });
}
