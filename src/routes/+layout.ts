// The lab runs the model in the browser, so pages render on the client; adapter-static ships
// an SPA whose fallback page serves every route.
export const ssr = false;
export const prerender = false;
