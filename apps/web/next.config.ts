import type { NextConfig } from 'next';

const config: NextConfig = {
  // Served by the API process (apps/api/src/plugins/app/portal.ts) on the same origin.
  reactStrictMode: true,
  poweredByHeader: false,
  transpilePackages: ['@conclave/contracts', '@conclave/crypto'],
  typedRoutes: false,
};

export default config;
