/**
 * Plot names each mark's <g> with aria-label but gives it no role, which ARIA does not allow on a
 * generic element: as named groups, screen readers announce the marks as Plot meant.
 */
export function namedGroups<E extends Element>(chart: E): E {
	for (const g of chart.querySelectorAll('g[aria-label]:not([role])')) g.setAttribute('role', 'group');
	return chart;
}
