/** The API key and secret every package test signs with (the server gets the same pair). */
export const API_KEY = 'devkey';
export const API_SECRET = 'development-secret-that-is-long-enough-for-hs256';
